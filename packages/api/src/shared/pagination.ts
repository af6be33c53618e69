import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { integerInput } from './schemas.ts';
import { scopedWhere } from './sql.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Fields every list input takes. The cursor is the last id of the previous page (UUIDv7: time ordered). */
export const PageFields = {
  cursor: z.uuid().optional().describe('The `nextCursor` of the previous page'),
  limit: integerInput().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
};

export const pageDto = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.uuid().nullable() });

/**
 * Cuts the extra row off and names the cursor of the next page, if there is one: the last row's
 * key (its id, unless `keyOf` says otherwise).
 */
export function toPage<T, R>(
  rows: T[],
  limit: number,
  map: (row: T) => R,
  keyOf: (row: T) => string = (row) => (row as { id: string }).id,
) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(map), nextCursor: rows.length > limit && last !== undefined ? keyOf(last) : null };
}

export type PageOrder = 'asc' | 'desc';

/**
 * The parts of a keyset-paginated query along a key that only grows (a UUIDv7 id, a sequence):
 * the condition that starts the page past the cursor, in the page's direction, and the order and
 * limit that end it, one row more than the page to tell whether another page follows.
 */
export function keyset({
  key,
  order,
  cursor,
  limit,
}: {
  /** The key column as the query names it (`id`, `t.id`, `seq`). */
  key: string;
  order: PageOrder;
  cursor: string | undefined;
  limit: number;
}) {
  return {
    after: [`${key} ${order === 'asc' ? '>' : '<'} ?`, cursor] as [sql: string, value: unknown],
    orderAndLimit: `order by ${key} ${order} limit ?`,
    limitParam: limit + 1,
  };
}

/**
 * One page of a hand-written list of the organization's rows, oldest or newest first: no OFFSET,
 * so a page costs the same at the millionth row as at the first when an index leads with the
 * organization and the key. The key comes back under its own name (`t.id` as `id`); its last value
 * on the page, as text, is the next page's cursor.
 */
export async function keysetPage<Row extends Record<string, unknown>, Item>(
  em: EntityManager,
  query: {
    /** `select … from …`, up to the WHERE clause. */
    select: string;
    organizationId: string;
    /** The organization column as the query names it; `organization_id` unless joined under an alias. */
    organizationColumn?: string;
    /** Filters, each switched on by its value (see `scopedWhere`). */
    filters?: [sql: string, value: unknown][];
    key: string;
    order: PageOrder;
    cursor: string | undefined;
    limit: number;
  },
  view: (row: Row) => Item,
) {
  const page = keyset(query);
  const where = scopedWhere(query.organizationId, [...(query.filters ?? []), page.after], query.organizationColumn);
  const rows = await em.execute<Row[]>(`${query.select} where ${where.sql} ${page.orderAndLimit}`, [
    ...where.params,
    page.limitParam,
  ]);
  const field = query.key.slice(query.key.lastIndexOf('.') + 1);
  return toPage(rows, query.limit, view, (row) => String(row[field]));
}
