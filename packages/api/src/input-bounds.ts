import { z } from 'zod';

/**
 * The dates an input may name: years 1 to 9999. PostgreSQL has no year 0 and JavaScript dates
 * reach year 275760, while a timestamp's text form (ISO 8601, the CSV export) has four digits:
 * anything outside is refused as bad input rather than failing in the database or mid-export.
 */
export const EARLIEST_DATE = new Date('0001-01-01T00:00:00.000Z');
export const LATEST_DATE = new Date('9999-12-31T23:59:59.999Z');

/**
 * A date filter (`from`, `to`): an ISO 8601 text or a Date, within years 1 to 9999. Typed as the
 * Date a typed caller sends (a bare `z.coerce` would type it `unknown`); text still coerces.
 */
export const DateInput = z.coerce
  .date<Date>()
  .min(EARLIEST_DATE, 'Dates start at 0001-01-01')
  .max(LATEST_DATE, 'Dates end at 9999-12-31');

/**
 * A position in a sequence the database numbers (the audit log's `seq`): digits only, and no
 * larger than the code holds exactly (2^53 - 1), far below PostgreSQL's bigint limit.
 */
export const SequenceCursor = z
  .string()
  .regex(/^\d{1,16}$/, 'Not a cursor')
  .refine((text) => Number(text) <= Number.MAX_SAFE_INTEGER, 'Not a cursor');
