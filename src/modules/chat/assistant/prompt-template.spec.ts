import { describe, expect, it } from '@jest/globals';
import { renderPrompt, unknownPlaceholders } from './prompt-template.js';

describe('prompt templates', () => {
  const now = new Date('2026-11-22T23:59:59.000Z');

  it('fills {{tenant_name}} and {{date}} (UTC), with or without spaces inside the braces', () => {
    const rendered = renderPrompt('You help {{tenant_name}} customers. Today is {{ date }}. ({{tenant_name}})', { tenantName: 'Acme Corp', now });

    expect(rendered).toBe('You help Acme Corp customers. Today is 2026-11-22. (Acme Corp)');
  });

  it('leaves text without placeholders as it is', () => {
    expect(renderPrompt('Be brief. Use {single} braces freely.', { tenantName: 'X', now })).toBe('Be brief. Use {single} braces freely.');
  });

  it('finds unknown placeholders, each once', () => {
    expect(unknownPlaceholders('Hi {{tenant_name}} {{user}} {{ user }} {{user}} {{}} {{date}}')).toEqual(['{{user}}', '{{ user }}', '{{}}']);
  });

  it('finds none in a valid template', () => {
    expect(unknownPlaceholders('{{tenant_name}} on {{ date }}')).toEqual([]);
  });
});
