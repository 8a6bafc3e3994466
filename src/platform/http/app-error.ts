/**
 * The base of every module's error class. A module declares its codes as an enum and maps each to
 * an HTTP status once, in its `x.errors.ts`, then derives its class from that table with
 * `errorClass`; the ProblemFilter turns any AppError into application/problem+json with that
 * stable `code`. Services throw these, never HttpExceptions, so the same rule reads the same from a
 * job or a webhook handler.
 */
export abstract class AppError<Code extends string = string> extends Error {
  abstract readonly status: number;

  constructor(
    readonly code: Code,
    message: string,
    /** Extra members for the problem document (e.g. limit, used, resetAt). Never secrets. */
    readonly extra: Readonly<Record<string, unknown>> = {},
    /** Extra response headers (e.g. Retry-After). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    // A 4xx is an expected outcome named by its code, never logged with a stack: capturing one was
    // 2 % of a refused request's CPU (docs/adr/0018). A 5xx keeps its stack, logged once in full.
    const depth = Error.stackTraceLimit;
    if ((ERROR_STATUSES.get(code) ?? 500) < 500) Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = depth;
    this.name = new.target.name;
  }
}

/**
 * Every declared error code and its status, filled as the modules' error classes are defined: the
 * OpenAPI document reads it to list each route's codes under their statuses (a code string two
 * modules share has one status in both: test/error-codes.spec.ts).
 */
const ERROR_STATUSES = new Map<string, number>();

/** The HTTP status of a declared error code; undefined for a code no error class declares. */
export function statusOfErrorCode(code: string): number | undefined {
  return ERROR_STATUSES.get(code);
}

/**
 * The base class of one module's errors, its status read from the module's table:
 * `export class UsageError extends errorClass(USAGE_STATUS) { static factories }`.
 * Each call makes a new class, so `instanceof UsageError` holds for usage errors only, and
 * `instanceof AppError` for all of them.
 */
export function errorClass<Code extends string>(statuses: Readonly<Record<Code, number>>) {
  for (const [code, status] of Object.entries<number>(statuses)) ERROR_STATUSES.set(code, status);
  return class extends AppError<Code> {
    get status(): number {
      return statuses[this.code];
    }
  };
}

/** Errors of the HTTP layer itself (validation, pagination, bodies). */
export enum HttpErrorCode {
  ValidationFailed = 'validation_failed',
  InvalidCursor = 'invalid_cursor',
  /** The instance is draining on SIGTERM: a request that still reaches it is turned away (retry elsewhere). */
  ShuttingDown = 'shutting_down',
  /** Text PostgreSQL cannot store: a NUL byte or an unpaired UTF-16 surrogate (input-boundary.ts). */
  InvalidText = 'invalid_text',
  /** A JSON body nested deeper than MAX_JSON_DEPTH, refused before it is parsed. */
  BodyTooDeep = 'body_too_deep',
}

const HTTP_STATUS: Record<HttpErrorCode, number> = {
  [HttpErrorCode.ValidationFailed]: 400,
  [HttpErrorCode.InvalidCursor]: 400,
  [HttpErrorCode.ShuttingDown]: 503,
  [HttpErrorCode.InvalidText]: 400,
  [HttpErrorCode.BodyTooDeep]: 400,
};

export interface FieldError {
  field: string;
  message: string;
}

export class HttpError extends errorClass(HTTP_STATUS) {
  static validation(where: string, errors: FieldError[]): HttpError {
    const fields = [...new Set(errors.map((e) => e.field))].join(', ');
    return new HttpError(HttpErrorCode.ValidationFailed, `Invalid ${where}: ${fields}`, { errors });
  }

  static invalidText(refused: FieldError): HttpError {
    return new HttpError(HttpErrorCode.InvalidText, `${refused.field} ${refused.message}`, { errors: [refused] });
  }

  static bodyTooDeep(maxDepth: number): HttpError {
    return new HttpError(HttpErrorCode.BodyTooDeep, `The request body is nested deeper than ${maxDepth} levels`, { maxDepth });
  }
}
