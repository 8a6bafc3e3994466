import type { AuditEventView } from '../../api/views.ts';

const COLUMNS = ['seq', 'createdAt', 'actorType', 'actorId', 'action', 'targetType', 'targetId', 'ip', 'data'] as const;

/** RFC 4180: quoted when needed, quotes doubled; a leading = + - @ is defused against spreadsheet formulas. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function auditCsv(events: AuditEventView[]): string {
  const lines = [COLUMNS.join(',')];
  for (const e of events) lines.push(COLUMNS.map((c) => csvCell(e[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
