import { type FormEvent, useState } from 'react';
import type { z } from 'zod';
import { ApiError } from '../api/problem.ts';
import { type FieldErrors, formValues, serverFieldErrors, validate } from './form.ts';

/**
 * One way to submit a form: validate with the same zod rules as the API, call the action, and
 * spread a problem+json answer between the fields it names and a form-level error.
 */
export function useForm<S extends z.ZodType>(schema: S, action: (values: z.output<S>) => Promise<unknown>, fields: readonly string[]) {
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    const checked = validate(schema, formValues(event.currentTarget));
    if (!checked.ok) {
      setFieldErrors(checked.fieldErrors);
      setError(null);
      focusFirstInvalid(event.currentTarget, checked.fieldErrors);
      return;
    }
    setFieldErrors({});
    setError(null);
    setPending(true);
    try {
      await action(checked.values);
    } catch (caught) {
      const named = serverFieldErrors(caught, fields);
      setFieldErrors(named);
      const unnamed = caught instanceof ApiError && Object.keys(named).length > 0 && Object.keys(caught.fieldErrors).every((f) => f in named);
      setError(unnamed ? null : caught);
    } finally {
      setPending(false);
    }
  }

  return { onSubmit: (e: FormEvent<HTMLFormElement>) => void onSubmit(e), fieldErrors, error, pending, setError };
}

function focusFirstInvalid(form: HTMLFormElement, errors: FieldErrors): void {
  const first = Object.keys(errors)[0];
  if (!first) return;
  const element = form.elements.namedItem(first);
  if (element instanceof HTMLElement) element.focus();
}
