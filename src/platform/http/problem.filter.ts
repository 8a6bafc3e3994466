import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { databaseFaultOf } from '../db/connection-errors.js';
import { DatabaseError } from '../db/db.errors.js';
import { RepeatedErrors } from '../observability/repeated-errors.js';
import { AppError } from './app-error.js';
import { problem, PROBLEM_CONTENT_TYPE, type Problem } from './problem.js';


const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

/** Fastify's own errors (raised while reading the body, before Nest sees the request). */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
};

/** Nest reports Fastify's JSON parse failures as a plain 400 with this message. */
const JSON_SYNTAX = /not valid JSON|Unexpected token|JSON at position/i;

export interface ProblemResponse {
  body: Problem;
  headers: Record<string, string>;
}

/** Maps anything thrown to a problem document. Only known errors reveal their message. */
export function toProblem(error: unknown): ProblemResponse {
  if (error instanceof AppError) {
    return { body: problem(error.status, error.code, error.message, { ...error.extra }), headers: { ...error.headers } };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    // Nest wraps Fastify's own 4xx errors in an HttpException; the original is its `cause`.
    const fastifyCode = fastifyCodeOf(error.cause);
    if (fastifyCode === 'malformed_body' || (status === 400 && JSON_SYNTAX.test(messageOf(error) ?? ''))) {
      return { body: problem(400, 'malformed_body', 'The request body is not valid JSON'), headers: {} };
    }
    const headers: Record<string, string> = {};
    if (status === 401) headers['www-authenticate'] = 'Bearer';
    const detail = status < 500 ? messageOf(error) : undefined;
    const code = (status < 500 && fastifyCode) || CODE_BY_STATUS[status] || (status < 500 ? 'bad_request' : 'internal_error');
    return { body: problem(status, code, detail), headers };
  }
  const fastify = error as { code?: unknown; statusCode?: unknown; message?: unknown } | null | undefined;
  if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    const code = fastifyCodeOf(fastify) ?? CODE_BY_STATUS[fastify.statusCode] ?? 'bad_request';
    const detail = code === 'malformed_body' ? 'The request body is not valid JSON' : String(fastify.message ?? '');
    return { body: problem(fastify.statusCode, code, detail), headers: {} };
  }
  // The database away or too slow is transient: 503 with Retry-After, never 500 (db.errors.ts).
  const fault = databaseFaultOf(error);
  if (fault) return toProblem(DatabaseError.of(fault));
  return { body: problem(500, 'internal_error', 'An unexpected error occurred. Quote the request id when reporting it.'), headers: {} };
}

const serverErrors = new RepeatedErrors((kind, repeats, windowMs) =>
  new Logger('Http').warn({ kind, repeats, windowMs }, `${repeats} more "${kind}" errors in the last ${windowMs / 1000} s (logged once in full above)`),
);

/**
 * Logs a 5xx once in full per kind (the problem code and the error's name and first line), then
 * only counts its repeats (RepeatedErrors): an outage writes a few lines, not a stack per request.
 */
export function logServerError(logger: Logger, error: unknown, response: ProblemResponse, requestId: unknown): void {
  const { name, message } = error instanceof Error ? error : { name: typeof error, message: String(error) };
  const kind = `${response.body.code}: ${name}: ${message.split('\n', 1)[0]!.slice(0, 160)}`;
  serverErrors.report(kind, () => logger.error({ err: error, requestId, code: response.body.code }, `${response.body.code === 'internal_error' ? 'unhandled error' : response.body.code}`));
}

function fastifyCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && Object.hasOwn(FASTIFY_CODES, code) ? FASTIFY_CODES[code] : undefined;
}

function messageOf(error: HttpException): string | undefined {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : undefined;
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, { body, headers }: ProblemResponse): void {
  body.instance = request.url;
  body.requestId = String(request.id);
  void reply.status(body.status).headers(headers).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
}

/** The one global filter: every error leaves as application/problem+json (RFC 9457). */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const response = toProblem(error);
    if (response.body.status >= 500) logServerError(this.logger, error, response, request.id);
    sendProblem(http.getResponse<FastifyReply>(), request, response);
  }
}
