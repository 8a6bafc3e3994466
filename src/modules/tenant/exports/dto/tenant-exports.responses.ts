import { z } from 'zod';
import { count, type Jsonified, named, pageOf, timestamp } from '../../../../platform/http/api-schemas.js';
import type { ExportView } from '../tenant-exports.service.js';

/** Response bodies of the export routes (request parameters: tenant-exports.dto.ts). */
export const tenantExportSchema = named(
  'TenantExport',
  z.object({
    id: z.string(),
    status: z.enum(['pending', 'ready', 'failed']),
    sizeBytes: count.nullable(),
    createdAt: timestamp,
    expiresAt: timestamp.nullable().meta({ description: 'Until when the archive can be downloaded' }),
    downloadUrl: z
      .string()
      .optional()
      .meta({ description: 'A signed link, valid EXPORT_URL_TTL_SECONDS from this response; only when the archive is ready' }),
  }),
) satisfies z.ZodType<Jsonified<ExportView>>;

export const tenantExportPageSchema = pageOf('TenantExportPage', tenantExportSchema);

/** The archive itself: the tenant row, its members and every tenant table, as JSON. */
export const tenantArchiveSchema = named('TenantArchive', z.record(z.string(), z.unknown()).meta({ description: 'The export archive (a JSON document)' }));
