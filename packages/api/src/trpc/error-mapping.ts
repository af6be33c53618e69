import type { TRPCError } from '@trpc/server';
import { AppError } from '../errors.ts';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable, isLockConflict } from '../shared/database-errors.ts';
import type { ResponseControl } from './context.ts';
import { toTRPCError } from './error-format.ts';

/**
 * The error a failed procedure answers with, decided once for every procedure: a domain error keeps
 * its code (and sets `Retry-After` when it says when to retry); a lock cycle or lock timeout the
 * database broke is a CONFLICT the caller may retry; a database that cannot be reached is
 * SERVICE_UNAVAILABLE. Anything else stays what it was: an unexpected error, logged and answered as a
 * bare 500 by the transport.
 */
export function callerFacingError(error: TRPCError, response: ResponseControl): TRPCError {
  const appError = domainErrorOf(error.cause);
  if (!appError) return error;
  if (appError.retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(appError.retryAfterSeconds));
  return toTRPCError(appError);
}

/**
 * The domain error a failure stands for: itself, or what a database failure means to the caller
 * (CONFLICT, SERVICE_UNAVAILABLE). The server's own routes answer through it too.
 */
export function domainErrorOf(cause: unknown): AppError | undefined {
  if (cause instanceof AppError) return cause;
  if (isLockConflict(cause)) {
    return new AppError(
      'CONFLICT',
      'A concurrent change to the same data got in the way: nothing was changed, try again',
      {
        cause,
      },
    );
  }
  if (isDatabaseUnavailable(cause)) {
    return new AppError(
      'SERVICE_UNAVAILABLE',
      'The database is not answering right now: nothing was changed, try again',
      {
        retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
        cause,
      },
    );
  }
  return undefined;
}
