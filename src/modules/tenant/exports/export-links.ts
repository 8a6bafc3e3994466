import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantError, TenantErrorCode } from '../tenant.errors.js';

const linkQuery = z.object({
  tenant: z.guid(),
  expires: z.coerce.number().int().positive(),
  sig: z.string().regex(/^[\w-]{43}$/),
});

export interface VerifiedLink {
  tenantId: string;
  exportId: string;
}

/**
 * Signed, expiring download links for export archives: the link is the credential, so the
 * download route needs no session. sig = HMAC-SHA256(key, "tenantId.exportId.expires"), where the
 * key is derived from JWT_SECRET with HKDF (its own label: an export signature can never serve as a
 * token signature, nor the reverse). Rotating JWT_SECRET invalidates every outstanding link.
 */
@Injectable()
export class ExportLinks {
  private readonly key: Buffer;

  constructor(private readonly config: AppConfig) {
    this.key = Buffer.from(hkdfSync('sha256', config.env.JWT_SECRET, 'tenantry', 'export-download-link/v1', 32));
  }

  /** A link valid for EXPORT_URL_TTL_SECONDS, and never past `notAfter` (the archive's own expiry). */
  create(tenantId: string, exportId: string, notAfter?: Date | null): string {
    let expires = Math.floor(Date.now() / 1000) + this.config.env.EXPORT_URL_TTL_SECONDS;
    if (notAfter) expires = Math.min(expires, Math.floor(notAfter.getTime() / 1000));
    const query = new URLSearchParams({ tenant: tenantId, expires: String(expires), sig: this.sign(tenantId, exportId, expires) });
    return `/api/v1/tenant/exports/${exportId}/download?${query.toString()}`;
  }

  /** The link's tenant, if `query` carries a valid signature for this export that has not expired. */
  verify(exportId: string, query: unknown): VerifiedLink {
    const parsed = linkQuery.safeParse(query);
    if (!parsed.success) throw invalidLink();
    const { tenant, expires, sig } = parsed.data;
    const expected = Buffer.from(this.sign(tenant, exportId, expires), 'base64url');
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidLink();
    if (expires * 1000 <= Date.now()) throw new TenantError(TenantErrorCode.ExportLinkExpired, 'This download link has expired; ask for a new one');
    return { tenantId: tenant, exportId };
  }

  private sign(tenantId: string, exportId: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${tenantId.toLowerCase()}.${exportId.toLowerCase()}.${expires}`).digest('base64url');
  }
}

const invalidLink = (): TenantError => new TenantError(TenantErrorCode.ExportLinkInvalid, 'This download link is not valid');
