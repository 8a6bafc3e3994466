/** An RFC 9457 problem document, with Tenantry's stable `code` and the request id. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  requestId?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/**
 * The reason phrase of each status the API answers with (RFC 9110's wording): the `title` of
 * problem documents and the description of responses in the OpenAPI document, one table for both.
 */
const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** The reason phrase of `status`, if the table knows it. */
export function statusText(status: number): string | undefined {
  return STATUS_TEXT[status];
}

export function problem(status: number, code: string, detail?: string, extra: Record<string, unknown> = {}): Problem {
  return {
    type: `urn:tenantry:problem:${code}`,
    title: statusText(status) ?? 'Error',
    status,
    ...(detail ? { detail } : {}),
    code,
    ...extra,
  };
}
