import { z } from 'zod';
import { integerInput } from './input-fields.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Fields every list input takes. The cursor is the last id of the previous page (UUIDv7: time ordered). */
export const PageFields = {
  cursor: z.uuid().optional().describe('The `nextCursor` of the previous page'),
  limit: integerInput().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
};

/** The query options for one page: ordered by id, one extra row to know whether another page follows. */
export const pageQuery = (limit: number) => ({ orderBy: { id: 'asc' as const }, limit: limit + 1 });

export const afterCursor = (cursor: string | undefined) => (cursor ? { id: { $gt: cursor } } : {});

/** Cuts the extra row off and names the cursor of the next page, if there is one. */
export function toPage<T extends { id: string }, R>(rows: T[], limit: number, map: (row: T) => R) {
  const items = rows.slice(0, limit);
  return { items: items.map(map), nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}

export const pageDto = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.uuid().nullable() });
