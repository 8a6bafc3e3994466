import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './app-error.js';
import { sendProblem, toProblem } from './problem.filter.js';

/**
 * Deepest JSON nesting a request body may have (objects and arrays). Our own bodies are 1 to 3
 * levels deep and a Stripe event about 10; PostgreSQL's jsonb and JSON.stringify recurse, and a
 * body nested 50,000 levels made both fail (docs/adr/0013-input-at-the-boundary.md).
 */
export const MAX_JSON_DEPTH = 64;

/** Where a piece of text was refused, for the 400's `errors` (`body.items.2.name`, `query.q`, `param.id`). */
export interface RefusedText {
  field: string;
  message: string;
}

const NUL = 'must not contain NUL (U+0000)';
const SURROGATE = 'must be well-formed Unicode (no unpaired UTF-16 surrogate)';

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (String#isWellFormed, ES2024). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textProblem(text: string): string | undefined {
  if (text.includes('\0')) return NUL;
  if (LONE_SURROGATE.test(text)) return SURROGATE;
  return undefined;
}

/**
 * The first string (value or key, at any depth) that PostgreSQL cannot store as text or jsonb: a
 * NUL byte or an unpaired surrogate. Iterative, so no input depth can exhaust the stack.
 */
export function findUnstorableText(value: unknown, root: string): RefusedText | undefined {
  const stack: Array<[unknown, string]> = [[value, root]];
  while (stack.length > 0) {
    const [item, path] = stack.pop()!;
    if (typeof item === 'string') {
      const message = textProblem(item);
      if (message) return { field: path, message };
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], `${path}.${i}`]);
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        const keyProblem = textProblem(key);
        if (keyProblem) return { field: `${path}.(key)`, message: `keys ${keyProblem}` };
        stack.push([child, `${path}.${key}`]);
      }
    }
  }
  return undefined;
}

/**
 * Whether a JSON text (UTF-8 bytes) nests deeper than `max`, found without parsing it. Brackets
 * inside strings do not count; UTF-8 never uses these ASCII bytes inside a multi-byte character.
 */
export function jsonDepthExceeds(json: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

export interface InputBoundaryOptions {
  /** Routes that answer `{"detail": "..."}` instead of problem+json (the seed demo's widget API). */
  answersWithDetail: (request: FastifyRequest) => boolean;
}

/**
 * The one place where every request's text is checked before any handler, guard or database sees
 * it (docs/adr/0013-input-at-the-boundary.md):
 * - JSON bodies nested deeper than MAX_JSON_DEPTH are refused before they are parsed (400
 *   `body_too_deep`), the Stripe webhook's included (its raw bytes are kept before this parser);
 * - path parameters, the query string and the body (every string and key, at any depth) holding a
 *   NUL or an unpaired surrogate are refused (400 `invalid_text`), since PostgreSQL cannot store
 *   them (SQLSTATE 22021, or jsonb in the audit log and outbox).
 */
export function installInputBoundary(app: NestFastifyApplication, options: InputBoundaryOptions): void {
  const fastify = app.getHttpAdapter().getInstance();
  // Nest's own JSON parser (the same secure-json-parse settings), behind the depth check.
  const { bodyLimit, onProtoPoisoning, onConstructorPoisoning } = fastify.initialConfig;
  const parseJson = fastify.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'error');
  app.useBodyParser('application/json', { bodyLimit }, (request, body, done) => {
    if (jsonDepthExceeds(body, MAX_JSON_DEPTH)) {
      done(HttpError.bodyTooDeep(MAX_JSON_DEPTH), undefined);
      return;
    }
    // Fastify's callback-style parser: it answers through `done`, never through the returned value.
    void parseJson(request as FastifyRequest, body as unknown as string, done);
  });

  // A callback hook (every request passes here; an async one costs a promise and a turn). One that
  // answers does not call done.
  fastify.addHook('preValidation', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const refused =
      findUnstorableText(request.params, 'param') ?? findUnstorableText(request.query, 'query') ?? findUnstorableText(request.body, 'body');
    if (!refused) return done();
    const error = HttpError.invalidText(refused);
    if (options.answersWithDetail(request)) {
      void reply.status(error.status).header('content-type', 'application/json; charset=utf-8').send({ detail: `${refused.field}: ${refused.message}` });
      return;
    }
    sendProblem(reply, request, toProblem(error));
  });
}
