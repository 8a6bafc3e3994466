import { z } from 'zod';
import type { EmailTemplate } from './email-outbox.js';

/**
 * The emails Tenantry sends: a subject and a plain-text body per template, from the variables the
 * outbox row carries. Plain text only, so nothing needs escaping. Each template declares the
 * variables it needs; a row without them can never render and fails for good (no retries).
 */
export interface RenderedEmail {
  subject: string;
  text: string;
}

/** Links in emails are web links: http or https, nothing else. */
const url = z.url({ protocol: /^https?$/ });

const SCHEMAS = {
  invitation: z.object({
    tenantName: z.string().min(1),
    inviterName: z.string().min(1),
    role: z.string().min(1),
    acceptUrl: url,
    expiresAt: z.string().min(1),
  }),
  password_reset: z.object({
    resetUrl: url,
    expiresAt: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
  }),
  welcome: z.object({
    name: z.string().min(1),
    tenantName: z.string().min(1).optional(),
  }),
  owner_added: z.object({
    tenantName: z.string().min(1),
    signInUrl: url,
  }),
} satisfies Record<EmailTemplate, z.ZodType>;

type Vars<T extends EmailTemplate> = z.output<(typeof SCHEMAS)[T]>;

const RENDER: { [T in EmailTemplate]: (v: Vars<T>) => RenderedEmail } = {
  invitation: (v) => ({
    subject: `${v.inviterName} invited you to ${v.tenantName} on Tenantry`,
    text: [
      `${v.inviterName} invited you to join ${v.tenantName} on Tenantry as ${article(v.role)} ${v.role}.`,
      '',
      'Accept the invitation here:',
      v.acceptUrl,
      '',
      `The link works once and expires at ${v.expiresAt}.`,
      'If you did not expect this invitation, ignore this email.',
    ].join('\n'),
  }),
  password_reset: (v) => ({
    subject: 'Reset your Tenantry password',
    text: [
      `Hello${v.name ? ` ${v.name}` : ''},`,
      '',
      'Someone asked to reset the password of your Tenantry account. Choose a new one here:',
      v.resetUrl,
      '',
      `The link works once${v.expiresAt ? ` and expires at ${v.expiresAt}` : ''}.`,
      'If you did not ask for this, ignore this email: your password stays as it is.',
    ].join('\n'),
  }),
  welcome: (v) => ({
    subject: v.tenantName ? `Welcome to ${v.tenantName} on Tenantry` : 'Welcome to Tenantry',
    text: [`Hello ${v.name},`, '', `Your Tenantry account is ready${v.tenantName ? ` and ${v.tenantName} is set up` : ''}.`].join('\n'),
  }),
  owner_added: (v) => ({
    subject: `You are the owner of ${v.tenantName} on Tenantry`,
    text: [
      `The Tenantry team made you the owner of ${v.tenantName}.`,
      '',
      'Sign in with your existing Tenantry account to use it:',
      v.signInUrl,
    ].join('\n'),
  }),
};

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export function isEmailTemplate(name: string): name is EmailTemplate {
  return Object.hasOwn(SCHEMAS, name);
}

/** Renders an outbox row's template; TemplateError when the template is unknown or a variable is missing. */
export function renderEmail(template: string, data: unknown): RenderedEmail {
  if (!isEmailTemplate(template)) throw new TemplateError(`unknown email template '${template}'`);
  const parsed = SCHEMAS[template].safeParse(data);
  if (!parsed.success) {
    throw new TemplateError(`template '${template}': ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  }
  return (RENDER[template] as (v: unknown) => RenderedEmail)(parsed.data);
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}
