/**
 * The one error type of the app: every failed API call becomes an ApiError built from the
 * problem+json document (RFC 9457) the API answers with. Field errors (`errors: [{field, message}]`
 * of `validation_failed`) are indexed by field so that forms can show them beside their inputs.
 */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  requestId?: string;
  errors?: Array<{ field: string; message: string }>;
  [extension: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string | undefined;
  readonly requestId: string | undefined;
  readonly fieldErrors: Readonly<Record<string, string>>;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = 'ApiError';
    this.problem = problem;
    this.status = problem.status;
    this.code = problem.code ?? codeOfStatus(problem.status);
    this.detail = problem.detail;
    this.requestId = problem.requestId;
    const fields: Record<string, string> = {};
    for (const e of problem.errors ?? []) {
      // "body.email" and "email" both name the email field.
      const field = e.field.replace(/^(body|query|params)\./, '');
      fields[field] ??= e.message;
    }
    this.fieldErrors = fields;
  }
}

/** Turns whatever a failed response carried into a Problem (a proxy's HTML page included). */
export function toProblem(status: number, body: unknown, requestId?: string | null): Problem {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    // The widget API answers {"detail": ...}; everything else is problem+json.
    return {
      ...b,
      status: typeof b.status === 'number' ? b.status : status,
      detail: typeof b.detail === 'string' ? b.detail : undefined,
      code: typeof b.code === 'string' ? b.code : undefined,
      requestId: typeof b.requestId === 'string' ? b.requestId : (requestId ?? undefined),
    };
  }
  return { status, code: codeOfStatus(status), requestId: requestId ?? undefined };
}

/** A network failure (the server unreachable) as an ApiError with status 0. */
export function networkError(cause: unknown): ApiError {
  const error = new ApiError({ status: 0, code: 'network_error', detail: cause instanceof Error ? cause.message : undefined });
  return error;
}

function codeOfStatus(status: number): string {
  if (status === 0) return 'network_error';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  return status >= 500 ? 'internal_error' : 'bad_request';
}
