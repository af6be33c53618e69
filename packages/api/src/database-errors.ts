import { ConnectionException, DeadlockException, LockWaitTimeoutException } from '@mikro-orm/core';

type CodedError = { code?: unknown; message?: unknown; cause?: unknown };

/** The error and the causes it wraps (a driver error inside MikroORM's, inside ours), nearest first. */
function* causeChain(error: unknown, depth = 6): Generator<CodedError> {
  let current: unknown = error;
  for (let i = 0; i < depth && current && typeof current === 'object'; i++) {
    yield current as CodedError;
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
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// PostgreSQL refusing work it cannot do now: shutting down, starting up, out of connections.
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
// What the pg driver and its pool say when a connection dies or cannot be had in time.
const DRIVER_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Connection terminated due to connection timeout|Client has encountered a connection error|Query read timeout/i;

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
