import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, SETTINGS, loadConfig } from '../../src/config/config';

test('defaults apply when nothing is set', () => {
  expect(loadConfig({})).toMatchObject({
    port: 8080,
    host: '0.0.0.0',
    dbFile: './data/ferrite.db',
    durability: 'full',
    maxMessageBytes: 262_144,
    logLevel: 'info',
    defaultProjectId: undefined,
  });
});

test.each([
  ['FERRITE_PORT', 'abc'],
  ['FERRITE_PORT', '70000'],
  ['FERRITE_DURABILITY', 'sometimes'],
  ['FERRITE_MAX_MESSAGE_BYTES', '-1'],
  ['FERRITE_PROJECT_ID', 'XYZ'],
  ['FERRITE_TOKEN', 'short'],
  ['FERRITE_LOG_LEVEL', 'loud'],
])('a bad %s (%s) stops the start with a message naming it', (env, value) => {
  expect(() => loadConfig({ [env]: value })).toThrow(ConfigError);
  expect(() => loadConfig({ [env]: value })).toThrow(env);
});

test('the config is frozen', () => {
  expect(Object.isFrozen(loadConfig({}))).toBe(true);
});

test('the README documents every setting', () => {
  const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  for (const setting of Object.values(SETTINGS)) expect(readme).toContain(`\`${setting.env}\``);
});
