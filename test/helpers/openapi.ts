import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import type { Response } from 'supertest';
import { parse } from 'yaml';

/**
 * Checks real responses against openapi.yaml. The document is registered in Ajv under SPEC_ID, so the `$ref`s
 * inside it (`#/components/schemas/…`) resolve in place and each schema is compiled once, on first use.
 */

export const SPEC_FILE = path.join(__dirname, '..', '..', 'openapi.yaml');
const SPEC_ID = 'https://ferrite.test/openapi.yaml';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** The methods a POST may be overridden to (as src/http/middleware/method-override.ts does). */
const OVERRIDABLE = new Set(['DELETE', 'PATCH', 'PUT', 'GET']);
const JSON_TYPE = 'application/json';

export interface Reference {
  $ref: string;
  description?: string;
}
export interface MediaType {
  schema?: unknown;
}
export interface HeaderObject {
  required?: boolean;
}
export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject | Reference>;
  content?: Record<string, MediaType>;
}
export interface Operation {
  operationId?: string;
  summary?: string;
  security?: unknown[];
  responses: Record<string, ResponseObject | Reference>;
}
export type PathItem = Partial<Record<HttpMethod, Operation>> & { parameters?: unknown[] };
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, PathItem>;
  components?: Record<string, Record<string, unknown>>;
}

export interface OperationEntry {
  template: string;
  method: HttpMethod;
  operation: Operation;
}

interface Loaded {
  doc: OpenApiDocument;
  ajv: Ajv2020;
  routes: { template: string; regex: RegExp; literals: number }[];
  validators: Map<string, ValidateFunction>;
}

let loaded: Loaded | undefined;

/** RFC 3339 date-time, which the Go client requires of `reserved_until` (ajv-formats is not a dependency). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

function load(): Loaded {
  if (loaded) return loaded;
  const doc = parse(readFileSync(SPEC_FILE, 'utf8')) as OpenApiDocument;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('date-time', (value: string) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  ajv.addSchema({ ...doc, $id: SPEC_ID }, undefined, undefined, false);
  const routes = Object.keys(doc.paths)
    .map((template) => {
      const segments = template.split('/').filter((s) => s !== '');
      const pattern = segments
        .map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/');
      // Express matches with or without a trailing slash.
      return {
        template,
        regex: new RegExp(`^/${pattern}/?$`),
        literals: segments.filter((s) => !s.startsWith('{')).length,
      };
    })
    // OpenAPI: a concrete path wins over a templated one of the same shape.
    .sort((a, b) => b.literals - a.literals);
  loaded = { doc, ajv, routes, validators: new Map() };
  return loaded;
}

/** The parsed openapi.yaml (cached). */
export function openApiDocument(): OpenApiDocument {
  return load().doc;
}

/** Every operation in the document, in file order. */
export function listOperations(): OperationEntry[] {
  const entries: OperationEntry[] = [];
  for (const [template, item] of Object.entries(openApiDocument().paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation) entries.push({ template, method, operation });
    }
  }
  return entries;
}

const escapePointer = (part: string): string => part.replace(/~/g, '~0').replace(/\//g, '~1');

/** The value at a local JSON pointer (`#/components/…`) of the document, or undefined. */
export function resolvePointer(ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, got ${ref}`);
  let node: unknown = openApiDocument();
  for (const raw of ref.slice(2).split('/')) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !(part in node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function isReference(value: unknown): value is Reference {
  return typeof value === 'object' && value !== null && typeof (value as Reference).$ref === 'string';
}

/** Follows `$ref`s until an object; returns it with the JSON pointer where it lives. */
export function deref<T>(value: T | Reference, pointer: string): { value: T; pointer: string } {
  let current: unknown = value;
  let at = pointer;
  for (let hops = 0; isReference(current); hops += 1) {
    if (hops > 10) throw new Error(`$ref loop at ${at}`);
    at = current.$ref.slice(1);
    const target = resolvePointer(current.$ref);
    if (target === undefined) throw new Error(`unresolved $ref ${current.$ref}`);
    current = target;
  }
  return { value: current as T, pointer: at };
}

function validatorAt(pointer: string): ValidateFunction {
  const { ajv, validators } = load();
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.getSchema(`${SPEC_ID}#${pointer}`);
    if (!validate) throw new Error(`no schema at ${pointer}`);
    validators.set(pointer, validate);
  }
  return validate;
}

/** The parts of Node's ClientRequest (supertest's `res.req`) used here. */
interface SentRequest {
  method: string;
  path: string;
  getHeader?(name: string): number | string | string[] | undefined;
}

/** The method the server acts on: a POST with X-HTTP-Method-Override is handled as the named method. */
function effectiveMethod(req: SentRequest): string {
  const method = req.method.toUpperCase();
  const override = req.getHeader?.('x-http-method-override');
  if (method === 'POST' && typeof override === 'string') {
    const named = override.trim().toUpperCase();
    if (OVERRIDABLE.has(named)) return named;
  }
  return method;
}

function formatAjvErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => `    - ${e.instancePath || '(root)'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`)
    .join('\n');
}

function clip(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/**
 * Asserts that a real response matches openapi.yaml: the operation (method + path template) exists, the
 * status is documented for it, the required headers are present, `Content-Type` is exactly
 * `application/json`, and the JSON body validates against the documented schema. A method the path does not
 * list is accepted only as the 405 that every operation of the path documents. Throws (failing the test)
 * with the operation, status and Ajv errors.
 */
export function expectMatchesSpec(res: Response): void {
  const req = (res as unknown as { req?: SentRequest }).req;
  if (!req || typeof req.method !== 'string' || typeof req.path !== 'string') {
    throw new Error('expectMatchesSpec needs a supertest response (res.req with method and path)');
  }
  const { doc, routes } = load();
  const requestPath = req.path.split('?')[0] ?? '';
  const method = effectiveMethod(req);
  const status = res.status;
  const sentBody = typeof res.text === 'string' ? res.text : JSON.stringify(res.body);
  const fail = (where: string, problem: string): never => {
    throw new Error(
      `Response does not match openapi.yaml\n  operation: ${where}\n  status: ${status}\n` +
        `  request: ${req.method}${method === req.method ? '' : ` (as ${method})`} ${req.path}\n` +
        `  problem: ${problem}\n  body: ${clip(sentBody)}`,
    );
  };

  const route = routes.find((r) => r.regex.test(requestPath));
  if (!route) return fail('(none)', `no path in openapi.yaml matches ${requestPath}`);
  const item = doc.paths[route.template]!;
  const isHead = method === 'HEAD';
  const key = (isHead ? 'get' : method.toLowerCase()) as HttpMethod;
  let operation = item[key];
  let where = `${method} ${route.template} (${operation?.operationId ?? 'no operationId'})`;
  if (!operation) {
    // Unlisted methods get the path's 405, which every operation of the path documents the same way.
    const listed = HTTP_METHODS.map((m) => item[m]).filter((op): op is Operation => op !== undefined);
    operation = status === 405 ? listed.find((op) => op.responses['405']) : undefined;
    where = `${method} ${route.template} (method not listed)`;
    if (!operation) return fail(where, `${method} is not documented for ${route.template}`);
  }

  const statusKey = String(status);
  const documented = operation.responses[statusKey] ?? operation.responses[`${statusKey[0]}XX`];
  if (!documented) {
    return fail(
      where,
      `status ${status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`,
    );
  }
  const responseKey = operation.responses[statusKey] ? statusKey : `${statusKey[0]}XX`;
  const basePointer = `/paths/${escapePointer(route.template)}/${key}/responses/${responseKey}`;
  const { value: response, pointer } = deref<ResponseObject>(documented, basePointer);

  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const { value } = deref<HeaderObject>(header, `${pointer}/headers/${escapePointer(name)}`);
    if (value.required && res.headers[name.toLowerCase()] === undefined) {
      fail(where, `required header ${name} is missing`);
    }
  }

  const content = response.content ?? {};
  if (Object.keys(content).length === 0) {
    if (!isHead && res.text) fail(where, 'a body was sent where none is documented');
    return;
  }
  const media = content[JSON_TYPE];
  if (!media)
    return fail(where, `only ${Object.keys(content).join(', ')} is documented; this helper checks JSON`);
  const contentType = res.headers['content-type'];
  if (contentType !== JSON_TYPE) {
    fail(where, `Content-Type must be exactly ${JSON_TYPE}, got ${JSON.stringify(contentType)}`);
  }
  if (isHead || media.schema === undefined) return;

  let body: unknown;
  try {
    body = typeof res.text === 'string' ? JSON.parse(res.text) : res.body;
  } catch (error) {
    return fail(where, `the body is not JSON: ${(error as Error).message}`);
  }
  const validate = validatorAt(`${pointer}/content/${escapePointer(JSON_TYPE)}/schema`);
  if (!validate(body))
    fail(where, `the body does not match the schema:\n${formatAjvErrors(validate.errors)}`);
}
