import {
  ConnectionException,
  DeadlockException,
  DriverException,
  LockWaitTimeoutException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

/*
 * What the database's refusals and failures mean to a caller, decided here once: a rule the
 * database holds (a unique index, a trigger) becomes the feature's domain error, a lock conflict a
 * retryable conflict, an unreachable database a 503.
 */

type CodedError = { code?: unknown; message?: unknown; cause?: unknown };

/**
 * The error and the causes it wraps (a driver error inside MikroORM's, inside ours), nearest first;
 * an AggregateError's errors too (node reports a refused connection to every address of a host so).
 */
function* causeChain(error: unknown, depth = 6): Generator<CodedError> {
  let current: unknown = error;
  for (let i = 0; i < depth && current && typeof current === 'object'; i++) {
    yield current as CodedError;
    if (current instanceof AggregateError) {
      for (const inner of current.errors) yield* causeChain(inner, depth - i - 1);
    }
    current = (current as CodedError).cause;
  }
}

/**
 * The database chose this request to break a lock cycle with another one, or a lock wait gave up
 * (`lock_timeout`, 55P03, which MikroORM maps to no class of its own). Its transaction has rolled
 * back whole: a conflict the caller can retry, not a server fault.
 */
export function isLockConflict(error: unknown): boolean {
  for (const e of causeChain(error)) {
    if (e instanceof DeadlockException || e instanceof LockWaitTimeoutException || e.code === '55P03') return true;
  }
  return false;
}

// Socket-level failures reaching or talking to the server.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// PostgreSQL refusing work it cannot do now: shutting down, starting up, out of connections; or a
// statement cancelled by statement_timeout (57014): the database is too slow to answer now.
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);
// What the pg driver and its pool say when a connection dies or cannot be had in time.
// "Query read timeout" is the client giving up on a server that stays silent (frozen, cut off).
const DRIVER_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Query read timeout/i;

/** How long a client should wait before retrying when the database could not be reached. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * The database could not be reached or answered in time: nothing the caller did, and nothing a
 * retry a little later would not fix. Answered as 503 SERVICE_UNAVAILABLE with Retry-After.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const e of causeChain(error)) {
    if (e instanceof ConnectionException) return true;
    const code = typeof e.code === 'string' ? e.code : '';
    if (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08')) return true;
    if (typeof e.message === 'string' && DRIVER_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** A unique index refused the change; with `constraint`, that index and no other. */
export function isUniqueViolation(error: unknown, constraint?: string): error is UniqueConstraintViolationException {
  return (
    error instanceof UniqueConstraintViolationException &&
    (constraint === undefined || error.message.includes(constraint))
  );
}

/** A statement failed on an error its message names (a trigger's, a check constraint's). */
export const isDatabaseRefusal = (error: unknown, name: string): error is DriverException =>
  error instanceof DriverException && error.message.includes(name);

/** Runs a flush; an error `refusal` recognizes (it answers undefined otherwise) becomes its error. */
async function flushRefusing(
  flush: () => Promise<unknown>,
  refusal: (error: unknown) => Error | undefined | Promise<Error | undefined>,
) {
  try {
    await flush();
  } catch (error) {
    throw (await refusal(error)) ?? error;
  }
}

/**
 * Flushes; a change the database refuses by a rule it holds (a trigger, a check) becomes the
 * caller's error through `refusal`, which answers undefined for an error it does not recognize.
 * The transaction is left aborted, as by any failed statement: the caller's error ends it.
 */
export const flushOrRefuse = (
  em: EntityManager,
  refusal: (error: unknown) => Error | undefined | Promise<Error | undefined>,
) => flushRefusing(() => em.flush(), refusal);

/**
 * Flushes in a savepoint. A unique index the change runs into (`constraint`, or any) rolls back
 * this flush only, so the request's transaction stays usable, and `duplicate` turns the violation
 * into the caller's error (a taken name, a resource another organization holds). Other failures
 * pass through. The savepoint's flush carries the entities created and changed in `em`, not
 * removals: flush those with `flushOrRefuse`.
 */
export const flushOrDuplicate = (
  em: EntityManager,
  duplicate: (error: UniqueConstraintViolationException) => Error | Promise<Error>,
  { constraint }: { constraint?: string } = {},
) =>
  flushRefusing(
    () => em.transactional((tx) => tx.flush()),
    (error) => (isUniqueViolation(error, constraint) ? duplicate(error) : undefined),
  );
