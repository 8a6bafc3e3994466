import type { MessageKey, Translate } from '../../i18n/index.tsx';
import { en } from '../../i18n/en.ts';

/** Client-side rules carry catalog codes (`required`, `password_length`); server messages pass through. */
export function fieldError(message: string | undefined, t: Translate): string | undefined {
  if (!message) return undefined;
  const key = `validation.${message}` as MessageKey;
  return key in en ? t(key) : message;
}
