import { ConnectionException, DeadlockException, LockWaitTimeoutException } from '@mikro-orm/core';

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
