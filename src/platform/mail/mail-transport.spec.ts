import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { testEnv } from '../../../test/support/database.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { MailTransport, type OutgoingMessage } from './mail-transport.js';

/** A valid environment (whatever other variables the configuration requires), without any mail variable. */
const BASE_ENV = testEnv({
  ownerUrl: 'postgresql://owner@127.0.0.1:5432/x',
  appUrl: 'postgresql://app@127.0.0.1:5432/x',
  platformUrl: 'postgresql://platform@127.0.0.1:5432/x',
});

const message: OutgoingMessage = {
  id: '7f1c2d9e-1111-4222-8333-444455556666',
  to: 'ada@example.test',
  subject: 'Hello Ada',
  text: 'Accept here:\nhttps://app.example.test/accept-invitation?token=abc',
};

describe('choosing the transport (configuration)', () => {
  it.each([
    [{}, 'file'],
    [{ SMTP_URL: 'smtp://u:p@mail.example.test:587' }, 'smtp'],
    [{ SMTP_URL: 'smtp://mail.example.test', MAIL_TRANSPORT: 'log' }, 'log'],
    [{ MAIL_TRANSPORT: 'log' }, 'log'],
    [{ SMTP_URL: '' }, 'file'],
  ])('with %j uses %s', (env, kind) => {
    expect(loadConfig({ ...BASE_ENV, ...env }).mailTransport).toBe(kind);
  });

  it('refuses to start in production without SMTP_URL unless a transport is chosen explicitly', () => {
    expect(() => loadConfig({ ...BASE_ENV, NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(loadConfig({ ...BASE_ENV, NODE_ENV: 'production', MAIL_TRANSPORT: 'file' }).mailTransport).toBe('file');
  });

  it('refuses the log transport in production: it would write bodies and their single-use links to the logs', () => {
    expect(() => loadConfig({ ...BASE_ENV, NODE_ENV: 'production', MAIL_TRANSPORT: 'log' })).toThrow(/MAIL_TRANSPORT log is for development/);
    expect(() => loadConfig({ ...BASE_ENV, NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example.test', MAIL_TRANSPORT: 'log' })).toThrow(ConfigError);
  });

  it('refuses MAIL_TRANSPORT=smtp without SMTP_URL, and a URL that is not smtp(s)://', () => {
    expect(() => loadConfig({ ...BASE_ENV, MAIL_TRANSPORT: 'smtp' })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ ...BASE_ENV, SMTP_URL: 'https://mail.example.test' })).toThrow(/SMTP_URL must be an smtp/);
  });

  it('never prints SMTP_URL (it carries credentials)', () => {
    const config = loadConfig({ ...BASE_ENV, SMTP_URL: 'smtp://user:hunter2@mail.example.test' });
    expect(JSON.stringify(config.describe())).not.toContain('hunter2');
  });
});

describe('file transport', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-mail-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes <id>.eml (the raw message) and <id>.json, and nothing else', async () => {
    const transport = new MailTransport(loadConfig({ ...BASE_ENV, MAIL_FILE_DIR: dir, MAIL_FROM: 'Tenantry <no-reply@example.test>' }));

    const { messageId } = await transport.send(message);
    transport.onModuleDestroy();

    expect((await readdir(dir)).sort()).toEqual([`${message.id}.eml`, `${message.id}.json`]);
    expect(JSON.parse(await readFile(path.join(dir, `${message.id}.json`), 'utf8'))).toEqual({
      id: message.id,
      messageId,
      from: 'Tenantry <no-reply@example.test>',
      to: message.to,
      subject: message.subject,
      text: message.text,
    });
    const eml = await readFile(path.join(dir, `${message.id}.eml`), 'utf8');
    expect(eml).toMatch(/^Subject: Hello Ada$/m);
    expect(eml).toMatch(/^To: ada@example\.test$/m);
    expect(eml).toMatch(new RegExp(`^X-Tenantry-Outbox-Id: ${message.id}$`, 'mi'));
    expect(eml).toContain('https://app.example.test/accept-invitation?token=abc');
  });
});

describe('log transport', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('writes the message to the application log', async () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const transport = new MailTransport(loadConfig({ ...BASE_ENV, MAIL_TRANSPORT: 'log' }));

    await transport.send(message);

    expect(log).toHaveBeenCalledWith(expect.objectContaining({ outboxId: message.id, to: message.to, subject: message.subject, text: message.text }), 'email (log transport)');
  });
});

/** Just enough of an SMTP server (RFC 5321) for nodemailer: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT. */
async function fakeSmtpServer(options: { refuseRecipients?: boolean } = {}) {
  const received: Array<{ auth?: string; from?: string; to: string[]; data: string }> = [];
  const server = net.createServer((socket) => {
    let pending = '';
    let current: (typeof received)[number] = { to: [], data: '' };
    let inData = false;
    socket.write('220 fake.example.test ESMTP\r\n');
    socket.on('data', (chunk) => {
      pending += chunk.toString('utf8');
      for (let end = pending.indexOf('\r\n'); end >= 0; end = pending.indexOf('\r\n')) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            received.push(current);
            current = { to: [], data: '' };
            socket.write('250 2.0.0 queued\r\n');
          } else current.data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
          continue;
        }
        const verb = line.split(' ')[0]!.toUpperCase();
        if (verb === 'EHLO') socket.write('250-fake.example.test\r\n250 AUTH PLAIN\r\n');
        else if (verb === 'AUTH') socket.write(((current.auth = Buffer.from(line.split(' ')[2] ?? '', 'base64').toString('utf8')), '235 2.7.0 ok\r\n'));
        else if (verb === 'MAIL') socket.write(((current.from = line), '250 2.1.0 ok\r\n'));
        else if (verb === 'RCPT') socket.write(options.refuseRecipients ? '550 5.1.1 no such user\r\n' : (current.to.push(line), '250 2.1.5 ok\r\n'));
        else if (verb === 'DATA') socket.write(((inData = true), '354 go ahead\r\n'));
        else if (verb === 'QUIT') socket.end('221 2.0.0 bye\r\n');
        else if (verb === 'RSET' || verb === 'NOOP') socket.write('250 2.0.0 ok\r\n');
        else socket.write('502 5.5.2 not implemented\r\n');
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('SMTP transport', () => {
  it('sends through SMTP_URL, authenticating with the credentials it carries', async () => {
    const smtp = await fakeSmtpServer();
    const transport = new MailTransport(loadConfig({ ...BASE_ENV, SMTP_URL: `smtp://mailer:s3cret@127.0.0.1:${smtp.port}`, MAIL_FROM: 'no-reply@example.test' }));
    try {
      await transport.send(message);
    } finally {
      transport.onModuleDestroy();
      await smtp.close();
    }

    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]).toMatchObject({ auth: '\0mailer\0s3cret', from: expect.stringContaining('<no-reply@example.test>'), to: [expect.stringContaining('<ada@example.test>')] });
    expect(smtp.received[0]!.data).toMatch(/^Subject: Hello Ada$/m);
    expect(smtp.received[0]!.data).toContain('https://app.example.test/accept-invitation?token=abc');
  });

  it('rejects when the server refuses the message (the caller records the failure)', async () => {
    const smtp = await fakeSmtpServer({ refuseRecipients: true });
    const transport = new MailTransport(loadConfig({ ...BASE_ENV, SMTP_URL: `smtp://127.0.0.1:${smtp.port}` }));
    try {
      await expect(transport.send(message)).rejects.toThrow(/550|no such user|recipients/i);
    } finally {
      transport.onModuleDestroy();
      await smtp.close();
    }
  });
});
