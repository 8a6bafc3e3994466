import type { z } from 'zod';

/**
 * What a route declares for its OpenAPI operation beyond @ApiOperation's summary: its success
 * response(s) and the error codes its service can answer. Security, validation, authentication and
 * rate-limit errors are not declared here: the document derives them from the decorators the guard
 * and the pipes read (openapi.ts), so the two cannot disagree.
 */
export const API_RETURNS = 'tenantry:openapi:returns';
export const API_PROBLEMS = 'tenantry:openapi:problems';

export interface ReturnsSpec {
  /** A schema registered with `named` (api-schemas.ts); null for a response without a body. */
  schema: z.ZodType | null;
  /** Default: the route's @HttpCode, else 201 for POST and 200 otherwise. */
  status?: number;
  description?: string;
  /** Default application/json; more than one when the route negotiates (e.g. SSE). */
  contentTypes?: string[];
}

/** Declares a success response of the route; repeat it for a route with several (200 and 503). */
export function ApiReturns(schema: z.ZodType | null, options: Omit<ReturnsSpec, 'schema'> = {}): MethodDecorator {
  return (_target, _key, descriptor) => {
    const handler = descriptor.value as object;
    const declared = (Reflect.getMetadata(API_RETURNS, handler) as ReturnsSpec[] | undefined) ?? [];
    Reflect.defineMetadata(API_RETURNS, [{ schema, ...options }, ...declared], handler);
    return descriptor;
  };
}

/**
 * The error codes (the modules' `XxxErrorCode` enum members) the route's service can answer, on a
 * controller for all its routes or on one route. Each is documented under the status its module
 * maps it to.
 */
export function ApiProblems(...codes: string[]): MethodDecorator & ClassDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder = (descriptor?.value as object | undefined) ?? target;
    const declared = (Reflect.getMetadata(API_PROBLEMS, holder) as string[] | undefined) ?? [];
    Reflect.defineMetadata(API_PROBLEMS, [...declared, ...codes], holder);
  };
}

/**
 * An exception filter that answers errors in a body of its own instead of problem+json (the
 * widget's `{"detail": ...}`) says so with this static member, and the document follows it on
 * every route that uses the filter (@UseFilters).
 */
export interface DocumentedErrorBody {
  contentType: string;
  /** A schema registered with `named`. */
  schema: z.ZodType;
  /** The status an error of this status and code is answered with. */
  statusOf(status: number, code: string): number;
}

export interface FilterWithErrorBody {
  readonly errorBody: DocumentedErrorBody;
}
