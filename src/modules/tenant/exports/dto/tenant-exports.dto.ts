import { z } from 'zod';
import { pageQuerySchema } from '../../../../platform/http/pagination.js';
import { zodDto } from '../../../../platform/http/validation.js';

export class ExportIdParam extends zodDto(z.object({ id: z.guid() })) {}

export class ListExportsQuery extends zodDto(pageQuerySchema) {}

export const buildExportPayload = z.object({ tenantId: z.guid(), exportId: z.guid() });
