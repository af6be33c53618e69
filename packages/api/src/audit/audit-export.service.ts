import { enterOrganization, type Orm } from '@strictops/db';

export type ExportFormat = 'ndjson' | 'csv';

const COLUMNS = [
  'seq',
  'id',
  'occurred_at',
  'actor_type',
  'actor_id',
  'actor_display',
  'action',
  'target_type',
  'target_id',
  'target_display',
  'changes',
  'ip',
  'user_agent',
  'request_id',
  'outcome',
  'prev_hash',
  'hash',
] as const;
const BATCH = 1000;

type Row = Record<(typeof COLUMNS)[number], unknown>;

/** What a spreadsheet reads as the start of a formula (OWASP, CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell. Names, user agents and the like are the caller's text: a cell a spreadsheet would
 * run as a formula (`=HYPERLINK(…)`, `@SUM(…)`) is neutralised by a leading single quote and
 * quoted, as OWASP advises, so it opens as the text it is.
 */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  const formula = FORMULA_START.test(text);
  const cell = formula ? `'${text}` : text;
  return formula || /[",\n\r]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/**
 * The organization's audit log as NDJSON or CSV lines, oldest first, read a thousand events at a
 * time so an export of millions never sits in memory. Each batch is its own short transaction
 * scoped to the organization; the log is append-only, so the batches, bounded by the last event
 * present when the export began, add up to a consistent copy.
 */
export async function* exportAuditEvents(
  orm: Orm,
  { organizationId, format, from, to }: { organizationId: string; format: ExportFormat; from?: Date; to?: Date },
): AsyncGenerator<string> {
  const read = <T>(sql: string, params: unknown[]) =>
    orm.em.fork().transactional(async (tx) => {
      await enterOrganization(tx, organizationId);
      return (await tx.execute(sql, params)) as T;
    });
  const [{ last } = { last: '0' }] = await read<{ last: string | null }[]>(
    'select coalesce(max(seq), 0)::text as last from "audit_event" where organization_id = ?',
    [organizationId],
  );
  if (format === 'csv') yield `${COLUMNS.join(',')}\n`;
  let after = '0';
  for (;;) {
    const rows = await read<Row[]>(
      `select ${COLUMNS.map((c) => (c === 'occurred_at' ? `to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurred_at` : `"${c}"`)).join(', ')}
         from "audit_event"
        where organization_id = ? and seq > ? and seq <= ?
          and occurred_at >= coalesce(?::timestamptz, '-infinity') and occurred_at < coalesce(?::timestamptz, 'infinity')
        order by seq limit ${BATCH}`,
      [organizationId, after, last ?? '0', from ?? null, to ?? null],
    );
    if (rows.length === 0) return;
    yield rows
      .map((row) =>
        format === 'csv'
          ? `${COLUMNS.map((c) => csvCell(row[c])).join(',')}\n`
          : `${JSON.stringify(Object.fromEntries(COLUMNS.map((c) => [c, row[c]])))}\n`,
      )
      .join('');
    after = String(rows.at(-1)?.seq);
    if (rows.length < BATCH) return;
  }
}
