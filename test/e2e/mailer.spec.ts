import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { TenantContext } from '../../src/platform/context/tenant-context.js';
import { TenantDb } from '../../src/platform/db/tenant-db.js';
import { EmailOutbox, type OutgoingEmail } from '../../src/platform/mail/email-outbox.js';
import { MailTransport } from '../../src/platform/mail/mail-transport.js';
import { LEASE_SECONDS, MAX_ATTEMPTS, OutboxDelivery } from '../../src/platform/mail/outbox-delivery.js';
import { OutboxRepository } from '../../src/platform/mail/outbox.repository.js';
import { createTestApp, type TestApp } from '../support/http-app.js';

/**
 * The email outbox and its delivery: rows written in the caller's unit of work, delivered by the
 * BullMQ drain job through nodemailer (the file transport here), each exactly once even with
 * several drains at a time, with retries and backoff on failure and a final `failed` state.
 */

let t: TestApp;
let mailDir: string;

beforeAll(async () => {
  mailDir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-mailer-'));
  t = await createTestApp({ env: { MAIL_FILE_DIR: mailDir } });
});

afterAll(async () => {
  await t?.close();
  await rm(mailDir, { recursive: true, force: true });
});

afterEach(() => {
  jest.restoreAllMocks();
});

const welcome = (n: number | string): OutgoingEmail => ({ to: `new-${n}-${Date.now()}@example.test`, template: 'welcome', data: { name: `Person ${n}` } });

/** Enqueues as tenant-facing code does: through EmailOutbox, in a context (no tenant needed). */
function enqueue(email: OutgoingEmail): Promise<string> {
  return t.app.get(TenantContext).run({}, () => t.app.get(EmailOutbox).enqueue(email));
}

interface Row {
  status: string;
  attempts: number;
  last_error: string | null;
  available_at: Date;
  sent_at: Date | null;
}

async function row(id: string): Promise<Row> {
  const { rows } = await t.owner.query<Row>('select status, attempts, last_error, available_at, sent_at from email_outbox where id = $1', [id]);
  return rows[0]!;
}

async function insertRow(values: { template: string; payload: unknown; attempts?: number; availableInSeconds?: number }): Promise<string> {
  const { rows } = await t.owner.query<{ id: string }>(
    `insert into email_outbox (to_address, template, payload, attempts, available_at)
     values ('raw@example.test', $1, $2, $3, now() + make_interval(secs => $4)) returning id`,
    [values.template, JSON.stringify(values.payload), values.attempts ?? 0, values.availableInSeconds ?? 0],
  );
  return rows[0]!.id;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('EmailOutbox.enqueue', () => {
  it('is part of the caller’s unit of work: a rollback leaves no email', async () => {
    const email = welcome('rolled-back');
    const { id: tenantId } = await t.makeTenant();
    const db = t.app.get(TenantDb);

    await expect(
      t.app.get(TenantContext).run({ tenantId }, () =>
        db.transaction(async () => {
          await t.app.get(EmailOutbox).enqueue(email);
          throw new Error('the change that caused the email failed');
        }),
      ),
    ).rejects.toThrow('the change that caused the email failed');

    expect((await t.owner.query('select 1 from email_outbox where to_address = $1', [email.to])).rowCount).toBe(0);
  });

  it('lets the tenant-facing role add rows but never read them back (they carry single-use links)', async () => {
    await enqueue(welcome('unreadable'));
    const { id: tenantId } = await t.makeTenant();

    await expect(
      t.app.get(TenantContext).run({ tenantId }, () => t.app.get(TenantDb).client.emailOutbox.findMany({ select: { id: true } })),
    ).rejects.toThrow(/permission denied/);
  });
});

describe('delivery', () => {
  it('happens on its own: the drain job (nudged by enqueue) writes the message through the file transport', async () => {
    const id = await enqueue(welcome('on-its-own'));

    await waitFor(async () => (await row(id)).status === 'sent' && existsSync(path.join(mailDir, `${id}.json`)));

    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1, last_error: null, sent_at: expect.any(Date) });
    const written = JSON.parse(await readFile(path.join(mailDir, `${id}.json`), 'utf8')) as { subject: string; text: string };
    expect(written.subject).toBe('Welcome to Tenantry');
    expect(written.text).toContain('Hello Person on-its-own,');
  });

  it('sends each message exactly once, however many drains run at the same time', async () => {
    const sent: string[] = [];
    const transport = t.app.get(MailTransport);
    const send = transport.send.bind(transport);
    jest.spyOn(transport, 'send').mockImplementation(async (message) => {
      sent.push(message.id);
      return send(message);
    });
    const ids = await Promise.all(Array.from({ length: 45 }, (_, n) => enqueue(welcome(n))));

    const drains = await Promise.all(Array.from({ length: 4 }, () => t.app.get(OutboxDelivery).drain()));
    await waitFor(async () => (await Promise.all(ids.map(row))).every((r) => r.status === 'sent'));

    const mine = sent.filter((id) => ids.includes(id));
    expect(mine.sort()).toEqual([...ids].sort());
    expect(drains.reduce((sum, d) => sum + d.sent, 0)).toBeLessThanOrEqual(45);
    expect((await Promise.all(ids.map(row))).map((r) => r.attempts)).toEqual(ids.map(() => 1));
  });

  it('keeps the error and retries later with backoff, then gives up after MAX_ATTEMPTS (status failed)', async () => {
    jest.spyOn(t.app.get(MailTransport), 'send').mockRejectedValue(new Error('421 4.7.0 try again later'));
    const id = await enqueue(welcome('unlucky'));

    await t.app.get(OutboxDelivery).drain();
    await waitFor(async () => (await row(id)).attempts === 1);

    const afterFirst = await row(id);
    expect(afterFirst).toMatchObject({ status: 'pending', attempts: 1, last_error: '421 4.7.0 try again later', sent_at: null });
    expect(afterFirst.available_at.getTime()).toBeGreaterThan(Date.now() + 20_000); // 30 s backoff, not now

    // Fast-forward to the last attempt being due.
    await t.owner.query('update email_outbox set attempts = $2, available_at = now() where id = $1', [id, MAX_ATTEMPTS - 1]);
    await t.app.get(OutboxDelivery).drain();
    await waitFor(async () => (await row(id)).status === 'failed');

    expect(await row(id)).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, last_error: '421 4.7.0 try again later', sent_at: null });
  });

  it('fails a message that can never render at once, without retries', async () => {
    const missingVariable = await insertRow({ template: 'invitation', payload: { tenantName: 'Acme' } });
    const unknownTemplate = await insertRow({ template: 'newsletter', payload: {} });

    await t.app.get(OutboxDelivery).drain();
    await waitFor(async () => (await row(missingVariable)).status !== 'pending' && (await row(unknownTemplate)).status !== 'pending');

    expect(await row(missingVariable)).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringMatching(/template 'invitation'.*acceptUrl/) });
    expect(await row(unknownTemplate)).toMatchObject({ status: 'failed', attempts: 1, last_error: "unknown email template 'newsletter'" });
  });

  it('leaves a row claimed by another worker alone until its lease runs out, then takes it over', async () => {
    const claimed = await insertRow({ template: 'welcome', payload: { name: 'Claimed' }, attempts: 1, availableInSeconds: LEASE_SECONDS });
    const abandoned = await insertRow({ template: 'welcome', payload: { name: 'Abandoned' }, attempts: 1, availableInSeconds: -1 });

    await t.app.get(OutboxDelivery).drain();
    await waitFor(async () => (await row(abandoned)).status === 'sent');

    expect(await row(claimed)).toMatchObject({ status: 'pending', attempts: 1 });
    expect(await row(abandoned)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('records a result only for the latest claim: a worker whose lease ran out changes nothing', async () => {
    const id = await insertRow({ template: 'welcome', payload: { name: 'Fenced' }, attempts: 3, availableInSeconds: LEASE_SECONDS });
    const outbox = t.app.get(OutboxRepository);

    expect(await outbox.markSent(id, 2)).toBe(false);
    await outbox.markFailed(id, 2, 'stale worker', null);

    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 3, last_error: null });
    expect(await outbox.markSent(id, 3)).toBe(true);
  });

  it('gives a message one Message-ID for all its attempts: a retry after a lost "sent" repeats it, recognisably', async () => {
    // A worker killed after SMTP accepted the message, before "sent" was recorded: the lease runs out
    // and the message is sent again. Both copies carry the same Message-ID, the one stored on the row.
    const messageIds: Array<string | undefined> = [];
    const transport = t.app.get(MailTransport);
    const send = transport.send.bind(transport);
    jest.spyOn(transport, 'send').mockImplementation(async (message) => {
      messageIds.push(message.messageId);
      return send(message);
    });
    jest.spyOn(t.app.get(OutboxRepository), 'markSent').mockRejectedValueOnce(new Error('worker killed'));
    const id = await insertRow({ template: 'welcome', payload: { name: 'Twice' } });

    await expect(t.app.get(OutboxDelivery).drain()).rejects.toThrow('worker killed');
    await t.owner.query('update email_outbox set available_at = now() where id = $1', [id]); // the lease ran out
    await t.app.get(OutboxDelivery).drain();
    await waitFor(async () => (await row(id)).status === 'sent');

    const { rows } = await t.owner.query<{ message_id: string }>('select message_id from email_outbox where id = $1', [id]);
    const stored = rows[0]!.message_id;
    expect(stored).toBe(`<${id}@tenantry.local>`);
    expect(messageIds.filter((m) => m === stored)).toHaveLength(2);
    expect(await readFile(path.join(mailDir, `${id}.eml`), 'utf8')).toContain(`Message-ID: ${stored}`);
  });
});
