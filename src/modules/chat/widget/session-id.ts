import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/config.js';

/**
 * A widget session id is a UUID, as the seed demo's (docs/adr/0021-embeddable-widget.md), and it is
 * the id of the session's conversation (channel 'widget'). Its bits are laid out as a version 8
 * UUID (RFC 9562 §5.8, "custom"):
 *
 *   bytes 0-7   60 random bits (byte 6's high nibble is the version, 8)
 *   bytes 8-15  62 bits of HMAC-SHA256(key, tenant id (16 bytes) ‖ bytes 0-7) (byte 8's top two
 *               bits are the variant, 10)
 *
 * so /chat can tell, from the id alone and without any query, that a session was issued for
 * another tenant: the MAC recomputed with the tenant named in the request does not match. The key
 * is derived from JWT_SECRET with HKDF (as the export links' key is); rotating JWT_SECRET ends every
 * widget session, like every sign-in. The id is as hard to guess as a random UUID: 122 bits, all
 * fixed by the server at issue.
 */
export type SessionIdCheck = 'ours' | 'malformed' | 'other_tenant';

const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VERSION_8 = 0x80;
const VARIANT_RFC = 0x80;

/** Verified pairs remembered (per process); past this the memory starts again empty. */
const VERIFIED_MAX = 50_000;

/** Random bytes drawn from a buffer filled 1 KB at a time: one randomBytes call costs as much as the HMAC. */
const RANDOM_POOL_BYTES = 1024;

@Injectable()
export class WidgetSessionIds {
  private readonly key: Buffer;
  private pool = Buffer.alloc(0);
  /**
   * Pairs of tenant and session id verified 'ours', by their exact strings: a widget sends the same
   * id on every message, and the HMAC was about 4 % of a refused /chat's CPU (docs/adr/0018).
   */
  private readonly verified = new Set<string>();
  private offset = 0;

  constructor(config: AppConfig) {
    this.key = Buffer.from(hkdfSync('sha256', config.env.JWT_SECRET, 'tenantry', 'widget-session-id/v1', 32));
  }

  /** A new session id for the tenant (also the conversation's id). */
  issue(tenantId: string): string {
    const bytes = Buffer.alloc(16);
    this.random8().copy(bytes, 0);
    bytes[6] = VERSION_8 | (bytes[6]! & 0x0f);
    this.mac(tenantId, bytes.subarray(0, 8)).copy(bytes, 8, 0, 8);
    bytes[8] = VARIANT_RFC | (bytes[8]! & 0x3f);
    return format(bytes);
  }

  /**
   * 'malformed': not a UUID, or not one of ours (not version 8: an id from before, or one made up);
   * 'other_tenant': ours in form, but its MAC is not the tenant's (issued for another tenant, or forged);
   * 'ours': issued for this tenant (whether its conversation still exists is for the database to say).
   */
  check(sessionId: string, tenantId: string): SessionIdCheck {
    const known = `${tenantId}/${sessionId}`;
    if (this.verified.has(known)) return 'ours';
    const result = this.verify(sessionId, tenantId);
    if (result === 'ours') {
      if (this.verified.size >= VERIFIED_MAX) this.verified.clear();
      this.verified.add(known);
    }
    return result;
  }

  private verify(sessionId: string, tenantId: string): SessionIdCheck {
    if (!CANONICAL.test(sessionId)) return 'malformed';
    const bytes = Buffer.from(sessionId.replace(/-/g, ''), 'hex');
    if ((bytes[6]! & 0xf0) !== VERSION_8 || (bytes[8]! & 0xc0) !== VARIANT_RFC) return 'malformed';
    const expected = this.mac(tenantId, bytes.subarray(0, 8));
    expected[0] = VARIANT_RFC | (expected[0]! & 0x3f);
    return timingSafeEqual(expected.subarray(0, 8), bytes.subarray(8, 16)) ? 'ours' : 'other_tenant';
  }

  private random8(): Buffer {
    if (this.offset + 8 > this.pool.length) {
      this.pool = randomBytes(RANDOM_POOL_BYTES);
      this.offset = 0;
    }
    const bytes = this.pool.subarray(this.offset, this.offset + 8);
    this.offset += 8;
    return bytes;
  }

  private mac(tenantId: string, head: Buffer): Buffer {
    return createHmac('sha256', this.key).update(Buffer.from(tenantId.replace(/-/g, ''), 'hex')).update(head).digest();
  }
}

/** The canonical form: lowercase, 8-4-4-4-12. */
function format(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
