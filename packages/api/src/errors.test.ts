// The error table is the one map from a domain error to HTTP: these tests hold every transport to it.
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODE_HTTP_STATUS } from 'trpc-to-openapi';
import { describe, expect, it } from 'vitest';
import { AppError, ERROR_CODES, httpStatusOf, TRPC_CODE_BY_STATUS, trpcCodeOf } from './errors.ts';
import { formatError, toTRPCError } from './trpc/error-format.ts';

describe('the error table', () => {
  it.each(ERROR_CODES)('%s has one status, which tRPC and the REST adapter both answer', (code) => {
    const status = httpStatusOf(code);
    const error = new TRPCError({ code: trpcCodeOf(code) });
    expect(getHTTPStatusCodeFromError(error)).toBe(status);
    expect(TRPC_ERROR_CODE_HTTP_STATUS[trpcCodeOf(code)]).toBe(status);
  });

  it('maps each status to a tRPC code of that status', () => {
    for (const [status, trpcCode] of Object.entries(TRPC_CODE_BY_STATUS)) {
      expect(getHTTPStatusCodeFromError(new TRPCError({ code: trpcCode }))).toBe(Number(status));
    }
  });

  it('puts the table’s status in the error body, whatever tRPC code carried it', () => {
    const cause = new AppError('LIMIT_REACHED', 'no more', {
      details: { limit: 'projects', max: 2, usage: 2, tier: 'FREE' },
    });
    const error = toTRPCError(cause);
    const shape = formatError({
      error,
      shape: { message: 'no more', code: -32603, data: { code: error.code, httpStatus: 500 } },
    });
    expect(shape.data).toMatchObject({ errorCode: 'LIMIT_REACHED', httpStatus: 402, details: { usage: 2 } });
  });

  it('types details per code where an error is raised', () => {
    // @ts-expect-error: RATE_LIMITED must say when to retry
    new AppError('RATE_LIMITED', 'slow down');
    // @ts-expect-error: LIMIT_REACHED's details name the limit, its maximum, the usage and the tier
    new AppError('LIMIT_REACHED', 'full', { details: { usage: 2 } });
    // @ts-expect-error: EMAIL_TAKEN carries no details
    new AppError('EMAIL_TAKEN', 'taken', { field: 'email', details: { email: 'x' } });
    expect(new AppError('EMAIL_TAKEN', 'taken', { field: 'email' }).httpStatus).toBe(409);
  });
});
