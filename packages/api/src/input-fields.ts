import { z } from 'zod';

/*
 * Input fields whose types say what a caller sends. A REST query string carries every value as
 * text, so numbers and dates are coerced; the type parameter keeps the SDK's input type precise
 * (`number`) where a bare `z.coerce` would make it `unknown`. Dates: `DateInput` in input-bounds.ts.
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
