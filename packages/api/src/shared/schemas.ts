import { z } from 'zod';

/*
 * The schemas every feature uses: inputs whose types say what a caller sends, and the answers that
 * carry nothing of a feature. A REST query string carries every value as text, so numbers and
 * dates are coerced; the type parameter keeps the SDK's input type precise (`number`, `Date`)
 * where a bare `z.coerce` would make it `unknown`.
 */

/** A whole number: a number over tRPC and JSON, digits in a REST query string. */
export const integerInput = () => z.coerce.number<number>().int();

/**
 * An input whose fields are all optional: the whole input may be left out (`query()` rather than
 * `query({})`), and the procedure still receives the object with its defaults.
 */
export const optionalInput = <T extends z.ZodObject>(schema: T) => schema.prefault({} as z.input<T>);

/** A procedure that takes no input: callable with nothing, or with `{}`. */
export const NoInput = optionalInput(z.strictObject({}));

/** The answer of a procedure that has nothing to say but that it was done. */
export const Ok = z.object({ ok: z.literal(true) });

/** An email address as stored and compared: trimmed and lower-cased. */
export const Email = z.string().trim().toLowerCase().max(320).pipe(z.email());

/**
 * The dates an input may name: years 1 to 9999. PostgreSQL has no year 0 and JavaScript dates
 * reach year 275760, while a timestamp's text form (ISO 8601, the CSV export) has four digits:
 * anything outside is refused as bad input rather than failing in the database or mid-export.
 */
const EARLIEST_DATE = new Date('0001-01-01T00:00:00.000Z');
const LATEST_DATE = new Date('9999-12-31T23:59:59.999Z');

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
