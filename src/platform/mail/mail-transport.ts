import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { AppConfig } from '../config/config.js';

/** One message, rendered, ready to leave. `id` is the outbox row's id; `messageId` its stable Message-ID. */
export interface OutgoingMessage {
  id: string;
  messageId?: string;
  to: string;
  subject: string;
  text: string;
}

/** Timeouts well inside the outbox lease (docs/adr/0004-email-outbox.md), so a hung server cannot outlive a claim. */
const SMTP_TIMEOUTS = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 };

/**
 * nodemailer behind one method, chosen by configuration (AppConfig.mailTransport):
 * - `smtp`: SMTP_URL (smtp:// or smtps://, credentials in the URL);
 * - `file`: one `<id>.eml` (the raw RFC 5322 message) and `<id>.json` (to, subject, text) per
 *   message in MAIL_FILE_DIR, for development and tests; written atomically (temp file + rename);
 * - `log`: the message in the application log. For development only: the body carries single-use
 *   links.
 */
@Injectable()
export class MailTransport implements OnModuleDestroy {
  readonly kind: 'smtp' | 'file' | 'log';
  /** The domain of the Message-IDs the outbox gives its rows: MAIL_FROM's. */
  readonly messageIdDomain: string;
  private readonly logger = new Logger('Mail');
  private readonly transporter: Transporter;
  private readonly from: string;
  private readonly dir: string;

  constructor(config: AppConfig) {
    this.kind = config.mailTransport;
    this.from = config.env.MAIL_FROM;
    this.messageIdDomain = /@([\w.-]+)>?\s*$/.exec(this.from)?.[1] ?? 'tenantry.local';
    this.dir = path.resolve(config.env.MAIL_FILE_DIR);
    this.transporter =
      this.kind === 'smtp'
        ? createTransport({ url: config.env.SMTP_URL, ...SMTP_TIMEOUTS })
        : this.kind === 'file'
          ? createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
          : createTransport({ jsonTransport: true });
  }

  /** Sends one message; throws when the transport refuses it (the caller records the failure). */
  async send(message: OutgoingMessage): Promise<{ messageId: string }> {
    const info = (await this.transporter.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.messageId ? { messageId: message.messageId } : {}),
      headers: { 'X-Tenantry-Outbox-Id': message.id },
    })) as { messageId: string; message?: Buffer | string };
    if (this.kind === 'file') await this.writeFiles(message, info.messageId, info.message as Buffer);
    if (this.kind === 'log') this.logger.log({ outboxId: message.id, to: message.to, subject: message.subject, text: message.text }, 'email (log transport)');
    return { messageId: info.messageId };
  }

  onModuleDestroy(): void {
    this.transporter.close();
  }

  private async writeFiles(message: OutgoingMessage, messageId: string, raw: Buffer): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const json = JSON.stringify({ id: message.id, messageId, from: this.from, to: message.to, subject: message.subject, text: message.text }, null, 2);
    // The .json last: a reader that sees it can rely on the .eml being complete too.
    await this.writeAtomically(`${message.id}.eml`, raw);
    await this.writeAtomically(`${message.id}.json`, `${json}\n`);
  }

  private async writeAtomically(name: string, content: Buffer | string): Promise<void> {
    const target = path.join(this.dir, name);
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, content);
    await rename(temporary, target);
  }
}
