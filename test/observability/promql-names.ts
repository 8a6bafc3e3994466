import { readFileSync } from 'node:fs';

const FUNCTIONS_AND_KEYWORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'topk', 'bottomk', 'quantile', 'stddev', 'stdvar', 'group', 'count_values',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset',
  'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'histogram_quantile', 'label_values', 'abs', 'clamp_min', 'clamp_max',
  'inf', 'nan',
]);

/** The metric names a PromQL expression reads (label matchers, grouping labels, ranges and functions removed). */
export function metricNamesOf(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?/g)) {
    const [token, call] = [match[0].replace(/\s*\($/, ''), match[1]];
    if (call || FUNCTIONS_AND_KEYWORDS.has(token) || /^\d/.test(token)) continue;
    names.add(token);
  }
  return [...names];
}

/** Every PromQL expression of the dashboard JSON (targets and template queries). */
export function dashboardExpressions(file: string): string[] {
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as {
    panels: Array<{ targets?: Array<{ expr: string }> }>;
    templating?: { list: Array<{ query?: { query?: string } | string }> };
  };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  for (const variable of dashboard.templating?.list ?? []) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    if (query) exprs.push(query.replace(/^label_values\(([^,)]+).*$/, '$1'));
  }
  return exprs;
}

/** Every `expr:` of an alert rules file (block scalars included). */
export function ruleExpressions(file: string): string[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const exprs: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const match = /^(\s*)expr:\s*(.*)$/.exec(lines[i]!);
    if (!match) continue;
    if (match[2] !== '|' && match[2] !== '>') {
      exprs.push(match[2]!);
      continue;
    }
    const block: string[] = [];
    while (i + 1 < lines.length && (lines[i + 1]!.trim() === '' || lines[i + 1]!.search(/\S/) > match[1]!.length)) block.push(lines[(i += 1)]!);
    exprs.push(block.join('\n'));
  }
  return exprs;
}
