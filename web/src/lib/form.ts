import type { z } from 'zod';
import { ApiError } from '../api/problem.ts';

export type FieldErrors = Partial<Record<string, string>>;

export type Validated<T> = { ok: true; values: T } | { ok: false; fieldErrors: FieldErrors };

/** Runs a zod schema over a form's values; the first message of each field, keyed by its path. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): Validated<z.output<S>> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, values: parsed.data };
  const fieldErrors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path.join('.') || 'form';
    fieldErrors[field] ??= issue.message;
  }
  return { ok: false, fieldErrors };
}

/** A form's values as strings (checkboxes as booleans), by field name. */
export function formValues(form: HTMLFormElement): Record<string, string | boolean> {
  const values: Record<string, string | boolean> = {};
  for (const element of Array.from(form.elements)) {
    if (!(element instanceof HTMLInputElement || element instanceof HTMLSelectElement || element instanceof HTMLTextAreaElement)) continue;
    if (!element.name || element.disabled) continue;
    if (element instanceof HTMLInputElement && element.type === 'checkbox') values[element.name] = element.checked;
    else if (element instanceof HTMLInputElement && element.type === 'radio') {
      if (element.checked) values[element.name] = element.value;
    } else values[element.name] = element.value;
  }
  return values;
}

/** Field errors the server named, for fields the form shows; the rest stays a form-level error. */
export function serverFieldErrors(error: unknown, fields: readonly string[]): FieldErrors {
  if (!(error instanceof ApiError)) return {};
  const result: FieldErrors = {};
  for (const [field, message] of Object.entries(error.fieldErrors)) {
    if (fields.includes(field)) result[field] = message;
  }
  return result;
}
