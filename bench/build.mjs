// Compiles bench/**/*.ts into dist/bench/ (git, ESLint and Prettier ignore dist/), file by file and without type
// checking, as ts-jest does for the tests: `npm run typecheck` checks bench/ with everything else, and this takes
// under a second where a checked build of the bench and the src/ types it imports takes ~8 s of the quick run.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const bench = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(bench);
const out = path.join(root, 'dist', 'bench');

const { config } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
const compilerOptions = { ...options, sourceMap: false, declaration: false };

let failed = false;
for (const entry of readdirSync(bench, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue;
  const file = path.join(entry.parentPath, entry.name);
  const { outputText, diagnostics = [] } = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions,
    fileName: file,
    reportDiagnostics: true,
  });
  for (const diagnostic of diagnostics) {
    failed = true;
    console.error(
      `${path.relative(root, file)}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
    );
  }
  const target = path.join(out, path.relative(bench, file)).replace(/\.ts$/, '.js');
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, outputText);
}
if (failed) process.exit(1);
