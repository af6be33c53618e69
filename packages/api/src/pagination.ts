import { z } from 'zod';
import { integerInput } from './input-fields.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Fields every list input takes. The cursor is the last id of the previous page (UUIDv7: time ordered). */
export const PageFields = {
  cursor: z.uuid().optional().describe('The `nextCursor` of the previous page'),
  limit: integerInput().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
};

/** Cuts the extra row off and names the cursor of the next page, if there is one. */
export function toPage<T extends { id: string }, R>(rows: T[], limit: number, map: (row: T) => R) {
  const items = rows.slice(0, limit);
  return { items: items.map(map), nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}

export const pageDto = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.uuid().nullable() });

/**
 * The WHERE clause of a hand-written list query: the organization first (scoped by hand, and
 * row-level security scopes it again), then each condition whose value is set. A condition's value
 * is bound to its `?` (a condition without one is only switched on by it).
 */
export function scopedWhere(
  organizationId: string,
  conditions: [sql: string, value: unknown][],
  column = 'organization_id',
) {
  const set = conditions.filter(([, value]) => value !== undefined);
  return {
    sql: [`${column} = ?`, ...set.map(([sql]) => sql)].join(' and '),
    params: [organizationId, ...set.filter(([sql]) => sql.includes('?')).map(([, value]) => value)],
  };
}

/** A timestamp column of a raw row (the driver hands them over as text) as a Date. */
export const dateOf = (value: string | Date) => new Date(value);
export const optionalDateOf = (value: string | Date | null) => (value === null ? null : new Date(value));
