import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from '@jest/globals';
import type { FastifyInstance } from 'fastify';

/**
 * The contract test: every response an end-to-end test receives is checked against the documented
 * response of its operation in docs/openapi.json (the committed document, which CI proves equal to
 * the generated one). An undocumented status, a content type the operation does not declare, or a
 * body its schema refuses is a violation; contract.setup.ts fails the test file on any. The
 * operations (and statuses) seen are recorded for the coverage report (contract-report.ts).
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OPENAPI_FILE = path.join(ROOT, 'docs', 'openapi.json');
/** One line per response seen (`METHOD path status`), one file per test file; read by contract-report.ts. */
export const COVERAGE_DIR = path.join(ROOT, 'var', 'contract-coverage');

interface Media {
  schema?: object;
}
interface ResponseDoc {
  content?: Record<string, Media>;
}
interface OperationDoc {
  responses: Record<string, ResponseDoc>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationDoc>>;
}

export interface ObservedResponse {
  method: string;
  /** The route's pattern as Fastify has it (`/api/v1/members/:userId`); undefined when no route matched. */
  route: string | undefined;
  status: number;
  contentType: string | undefined;
  /** The body as sent; undefined when it was a stream or written on the raw socket (not checked). */
  body: string | undefined;
}

export interface ContractCheck {
  /** `METHOD /path` of the operation, or undefined when the route is not in the document. */
  operation?: string;
  violations: string[];
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** Checks responses against one OpenAPI 3.1 document (its schemas are JSON Schema 2020-12). */
export class ContractChecker {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {
    this.ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, validateSchema: false }));
    this.ajv.addSchema(document, 'openapi');
  }

  static fromFile(file = OPENAPI_FILE): ContractChecker {
    return new ContractChecker(JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument);
  }

  /** Every operation of the document, as `METHOD /path`. */
  operations(): string[] {
    return Object.entries(this.document.paths).flatMap(([p, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${p}`));
  }

  check(response: ObservedResponse): ContractCheck {
    if (response.route === undefined) return { violations: [] };
    const docPath = response.route.replace(/:(\w+)/g, '{$1}');
    const method = response.method.toLowerCase();
    const op = this.document.paths[docPath]?.[method];
    if (!op) return { violations: [] }; // a test-only controller, or an endpoint the document excludes (Stripe's webhook)
    const operation = `${method.toUpperCase()} ${docPath}`;
    const where = `${operation} → ${response.status}`;
    const documented = op.responses[String(response.status)];
    if (!documented) return { operation, violations: [`${where}: status not documented (documented: ${Object.keys(op.responses).join(', ')})`] };

    const declared = Object.keys(documented.content ?? {});
    const media = response.contentType?.split(';')[0]?.trim().toLowerCase();
    if (declared.length === 0) {
      return { operation, violations: response.body ? [`${where}: a body (${media ?? 'no content type'}) where none is documented`] : [] };
    }
    if (!media || !declared.includes(media)) {
      return { operation, violations: [`${where}: content type ${media ?? '(none)'} not documented (documented: ${declared.join(', ')})`] };
    }
    if (response.body === undefined || !/[/+]json$/.test(media)) return { operation, violations: [] };

    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return { operation, violations: [`${where}: ${media} body is not JSON: ${response.body.slice(0, 200)}`] };
    }
    const validate = this.validator(docPath, method, String(response.status), media);
    if (validate(body)) return { operation, violations: [] };
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
    return { operation, violations: [`${where}: body does not match the documented schema: ${errors.join('; ')}\n    body: ${response.body.slice(0, 500)}`] };
  }

  private validator(docPath: string, method: string, status: string, media: string): ValidateFunction {
    const pointer = ['paths', docPath, method, 'responses', status, 'content', media, 'schema'].map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi#/${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate;
  }
}

let shared: ContractChecker | undefined;
const violations: string[] = [];
const seen = new Set<string>();
const reported = new Set<string>();

/** Violations recorded in this test file so far (contract.setup.ts asserts there are none). */
export function contractViolations(): readonly string[] {
  return violations;
}

/**
 * Installs the check on a test app's Fastify instance (before it is ready): responses sent through
 * Fastify are checked on onSend (status, content type, body); replies written on the raw socket
 * (server-sent events) are checked on their end (status and content type).
 */
export function installContractCheck(fastify: FastifyInstance): void {
  shared ??= ContractChecker.fromFile();
  const checker = shared;
  const sent = new WeakSet<object>();
  const record = (observed: ObservedResponse, testName: string | undefined): void => {
    const { operation, violations: found } = checker.check(observed);
    if (operation) {
      const line = `${operation} ${observed.status}`;
      if (!seen.has(line)) {
        seen.add(line);
        mkdirSync(COVERAGE_DIR, { recursive: true });
        appendFileSync(path.join(COVERAGE_DIR, `${path.basename(expect.getState().testPath ?? 'unknown')}.txt`), `${line}\n`);
      }
    }
    for (const v of found) {
      if (reported.has(v)) continue; // the same mismatch again: once is enough
      reported.add(v);
      violations.push(`${testName ? `[${testName}] ` : ''}${v}`);
    }
  };

  fastify.addHook('onRequest', async (request, reply) => {
    const testName = currentTestName();
    reply.raw.once('finish', () => {
      if (sent.has(request)) return;
      const type = reply.raw.getHeader('content-type');
      record({ method: request.method, route: request.routeOptions.url, status: reply.raw.statusCode, contentType: typeof type === 'string' ? type : undefined, body: undefined }, testName);
    });
  });
  fastify.addHook('onSend', async (request, reply, payload) => {
    sent.add(request);
    const type = reply.getHeader('content-type');
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : payload == null ? '' : undefined;
    record({ method: request.method, route: request.routeOptions.url, status: reply.statusCode, contentType: typeof type === 'string' ? type : undefined, body: body === '' ? undefined : body }, currentTestName());
    return payload;
  });
}

function currentTestName(): string | undefined {
  return expect.getState().currentTestName;
}
