import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { HttpError } from './app-error.js';

/** A DTO class carrying its zod schema; the global ZodValidationPipe validates against it. */
export interface ZodDtoClass<S extends z.ZodType = z.ZodType> {
  new (): z.output<S>;
  readonly schema: S;
}

/**
 * `class SignupBody extends zodDto(schema) {}` gives a class Nest can reflect on (for the pipe and
 * for OpenAPI) whose instances have the schema's output type.
 */
export function zodDto<S extends z.ZodObject>(schema: S): ZodDtoClass<S> {
  class Dto {
    static readonly schema = schema;

    /** @nestjs/swagger reads this to document the body/query from the same schema. */
    static _OPENAPI_METADATA_FACTORY(): Record<string, unknown> {
      const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
        properties?: Record<string, Record<string, unknown>>;
        required?: string[];
      };
      return Object.fromEntries(
        Object.entries(json.properties ?? {}).map(([name, prop]) => [name, { ...toSwaggerProperty(prop), required: json.required?.includes(name) ?? false }]),
      );
    }
  }
  return Dto as unknown as ZodDtoClass<S>;
}

/**
 * @nestjs/swagger needs a `type` on every property (without one it walks the value as a class and
 * reports a circular dependency). JSON Schema's `anyOf: [X, {type: 'null'}]` becomes X + nullable;
 * anything else without a type is documented as an object.
 */
function toSwaggerProperty(prop: Record<string, unknown>): Record<string, unknown> {
  if (prop.type !== undefined) return prop;
  const variants = (prop.anyOf ?? prop.oneOf) as Array<Record<string, unknown>> | undefined;
  if (variants) {
    const real = variants.filter((v) => v.type !== 'null');
    const nullable = real.length < variants.length;
    const { anyOf: _a, oneOf: _o, ...rest } = prop;
    if (real.length === 1) return { ...rest, ...toSwaggerProperty(real[0]!), ...(nullable ? { nullable: true } : {}) };
    const types = [...new Set(real.map((v) => v.type).filter((t): t is string => typeof t === 'string'))];
    if (types.length === 1) return { ...rest, type: types[0], ...(nullable ? { nullable: true } : {}) };
    return { ...rest, type: 'object', oneOf: real, ...(nullable ? { nullable: true } : {}) };
  }
  return { type: 'object', ...prop };
}

const WHERE: Record<string, string> = { body: 'request body', query: 'query string', param: 'path parameter' };

/** Validates @Body/@Query/@Param against the DTO's zod schema; 400 naming every bad field. */
@Injectable()
export class ZodValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const schema = (metadata.metatype as Partial<ZodDtoClass> | undefined)?.schema;
    if (!schema) return value;
    const parsed = schema.safeParse(value ?? (metadata.type === 'body' ? undefined : {}));
    if (parsed.success) return parsed.data;
    throw HttpError.validation(
      WHERE[metadata.type] ?? metadata.type,
      parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || metadata.data || '(root)', message: issue.message })),
    );
  }
}

/** Validates a value against a schema outside HTTP (job payloads, webhook bodies, files). */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw HttpError.validation(
    where,
    parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || '(root)', message: issue.message })),
  );
}
