/**
 * System prompt templates: plain text with `{{tenant_name}}` and `{{date}}` placeholders (spaces
 * inside the braces allowed). Anything else in double braces is refused when the template is
 * saved, so a typo never reaches the model as literal braces.
 */
export const PROMPT_PLACEHOLDERS = ['tenant_name', 'date'] as const;
export type PromptPlaceholder = (typeof PROMPT_PLACEHOLDERS)[number];

const PLACEHOLDER = /\{\{(.*?)\}\}/g;

const isKnown = (name: string): name is PromptPlaceholder => (PROMPT_PLACEHOLDERS as readonly string[]).includes(name);

/** The placeholders of `template` that are not allowed, as written (deduplicated). */
export function unknownPlaceholders(template: string): string[] {
  const unknown = new Set<string>();
  for (const [whole, inner] of template.matchAll(PLACEHOLDER)) {
    if (!isKnown(inner!.trim())) unknown.add(whole);
  }
  return [...unknown];
}

/** The template with each placeholder replaced; `date` is the UTC date (YYYY-MM-DD). */
export function renderPrompt(template: string, values: { tenantName: string; now: Date }): string {
  const byName: Record<PromptPlaceholder, string> = {
    tenant_name: values.tenantName,
    date: values.now.toISOString().slice(0, 10),
  };
  return template.replace(PLACEHOLDER, (whole, inner: string) => {
    const name = inner.trim();
    return isKnown(name) ? byName[name] : whole;
  });
}
