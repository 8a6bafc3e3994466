import { describe, expect, it } from '@jest/globals';
import { renderEmail, TemplateError } from './templates.js';

const invitation = {
  tenantName: 'Acme',
  inviterName: 'Ada',
  role: 'admin',
  acceptUrl: 'https://app.example.test/accept-invitation?token=abc.def',
  expiresAt: '2026-11-25T10:00:00.000Z',
};

describe('renderEmail', () => {
  it('renders an invitation with the inviter, tenant, role, link and expiry', () => {
    const email = renderEmail('invitation', invitation);

    expect(email.subject).toBe('Ada invited you to Acme on Tenantry');
    expect(email.text).toContain('join Acme on Tenantry as an admin.');
    expect(email.text).toContain(`\n${invitation.acceptUrl}\n`);
    expect(email.text).toContain('expires at 2026-11-25T10:00:00.000Z');
  });

  it('renders a password reset, with or without a name and an expiry', () => {
    expect(renderEmail('password_reset', { resetUrl: 'https://x.test/reset?token=t' }).text).toContain('https://x.test/reset?token=t');
    expect(renderEmail('password_reset', { resetUrl: 'https://x.test/r', name: 'Bo', expiresAt: 'soon' }).text).toMatch(/^Hello Bo,[\s\S]*expires at soon/);
  });

  it('renders a welcome email', () => {
    expect(renderEmail('welcome', { name: 'Cy', tenantName: 'Globex' }).subject).toBe('Welcome to Globex on Tenantry');
  });

  it('renders the notice to an existing user made owner of a tenant, with the sign-in link and no token', () => {
    const email = renderEmail('owner_added', { tenantName: 'Initech', signInUrl: 'https://app.example.test/login' });

    expect(email.subject).toBe('You are the owner of Initech on Tenantry');
    expect(email.text).toContain('\nhttps://app.example.test/login');
  });

  it.each([
    ['an unknown template', 'newsletter', {}],
    ['a missing variable', 'invitation', { ...invitation, acceptUrl: undefined }],
    ['a link that is not a URL', 'invitation', { ...invitation, acceptUrl: 'javascript:alert(1)//not a url' }],
    ['a payload that is not an object', 'welcome', 'Cy'],
  ])('refuses %s with a TemplateError (the message can never be sent)', (_name, template, data) => {
    expect(() => renderEmail(template, data)).toThrow(TemplateError);
  });
});
