import { z } from 'zod';

/**
 * The response bodies of the API, as zod schemas beside each module's request DTOs. Each is
 * registered here under the name it has in the OpenAPI document (`components.schemas`); zod 4's
 * own `z.toJSONSchema` turns the registry into JSON Schema 2020-12, which OpenAPI 3.1 uses as is
 * (docs/adr/0015-openapi-contract.md).
 */
export const apiSchemas = z.registry<{ id: string }>();

/** Registers a response schema under its name in the document; returns it unchanged. */
export function named<S extends z.ZodType>(id: string, schema: S): S {
  apiSchemas.add(schema, { id });
  return schema;
}

/** The name a response schema was registered under, if any. */
export function nameOf(schema: z.ZodType): string | undefined {
  return apiSchemas.get(schema)?.id;
}

/** An instant as JSON carries it: an ISO 8601 string (a Date serializes to one). */
export const timestamp = z.string().meta({ format: 'date-time' });

/** A non-negative whole number (counts, sizes, tokens). */
export const count = z.number().int().min(0);

/** One page of a cursor-paginated list (see pagination.ts). */
export function pageOf<S extends z.ZodType>(id: string, item: S) {
  return named(
    id,
    z.object({
      data: z.array(item),
      /** Pass as `cursor` for the next page; null on the last page. */
      nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page' }),
    }),
  );
}

/**
 * JSON as a client receives a view type: Dates become ISO strings. Response schemas are checked
 * against their view types with `satisfies z.ZodType<Jsonified<View>>`, so a field the service
 * returns cannot be missing from the schema, nor typed differently, without a compile error.
 */
export type Jsonified<T> = T extends Date
  ? string
  : T extends bigint
    ? string
    : T extends ReadonlyArray<infer U>
      ? Jsonified<U>[]
      : T extends object
        ? { [K in keyof T]: Jsonified<T[K]> }
        : T;

/** The RFC 9457 problem document every error of the API answers with (but the widget's). */
export const problemSchema = named(
  'Problem',
  z
    .looseObject({
      type: z.string().meta({ description: '`urn:tenantry:problem:<code>`' }),
      title: z.string(),
      status: z.number().int().min(400).max(599),
      detail: z.string().optional(),
      instance: z.string().optional().meta({ description: 'The request path' }),
      code: z.string().meta({ description: 'Stable, machine-readable; the operation lists the codes it can answer' }),
      requestId: z.string().optional().meta({ description: 'Also in the X-Request-Id header; quote it when reporting an error' }),
      errors: z
        .array(z.object({ field: z.string(), message: z.string() }))
        .optional()
        .meta({ description: 'validation_failed: each invalid field' }),
    })
    .meta({ description: 'application/problem+json (RFC 9457) with a stable `code` and the request id; extra members by code (e.g. limit, used, resetAt for quota_exceeded)' }),
);
