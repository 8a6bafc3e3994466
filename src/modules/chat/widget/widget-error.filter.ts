import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { DocumentedErrorBody } from '../../../platform/http/api-contract.js';
import { HttpErrorCode, type FieldError } from '../../../platform/http/app-error.js';
import { logServerError, type ProblemResponse, toProblem } from '../../../platform/http/problem.filter.js';
import { widgetErrorSchema } from './dto/widget.responses.js';

const isInvalidBody = (code: string): boolean => code === HttpErrorCode.ValidationFailed || code === 'malformed_body';

/**
 * The widget API keeps the seed demo's error bodies, `{"detail": "..."}` as JSON, so that clients
 * written against the demo read them unchanged; the rest of the API answers problem+json. Status
 * and headers (Retry-After, RateLimit-*) are the ones the error maps to everywhere, except that
 * invalid bodies are 422, as in the demo (FastAPI's status for them), with `detail` naming the fields.
 * The request id is still in the X-Request-Id header.
 */
@Catch()
export class WidgetErrorFilter implements ExceptionFilter {
  /** What the OpenAPI document says the widget's routes answer on errors (openapi.ts reads it). */
  static readonly errorBody: DocumentedErrorBody = {
    contentType: 'application/json',
    schema: widgetErrorSchema,
    statusOf: (status, code) => (isInvalidBody(code) ? 422 : status),
  };

  private readonly logger = new Logger('Widget');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<{ id: string }>();
    sendWidgetError(http.getResponse<FastifyReply>(), error, (response) => logServerError(this.logger, error, response, request.id));
  }
}

/** The seed's error answer of `error` (`{"detail": ...}`), here or before Nest's pipeline (the widget's edge). */
export function sendWidgetError(reply: FastifyReply, error: unknown, logServer?: (response: ProblemResponse) => void): void {
  const response = toProblem(error);
  const { body, headers } = response;
  if (body.status >= 500) logServer?.(response);

  const invalid = isInvalidBody(body.code);
  const status = invalid ? 422 : body.status;
  const fields = body.errors as FieldError[] | undefined;
  const detail = fields?.length ? fields.map((f) => `${f.field}: ${f.message}`).join('; ') : (body.detail ?? body.title);
  void reply.status(status).headers(headers).header('content-type', 'application/json; charset=utf-8').send({ detail });
}
