import type { ApiErrorShape } from '@strictops/api/sdk-types';
import type { TRPCClientError } from '@trpc/client';
import type { FailureFacts, StrictOpsErrorCode } from './errors.ts';

/** The connection failed (refused, reset, DNS): no answer came. */
export class ConnectionFailure extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : 'The connection failed', { cause });
    this.name = 'ConnectionFailure';
  }
}

/** An answer that is not the API's (a proxy's or load balancer's error page): its status is kept. */
export class ForeignAnswer extends Error {
  readonly status: number;
  readonly headers: Headers;

  constructor(status: number, headers: Headers) {
    super(`The server answered ${status} without an API error body (a proxy or load balancer in between?)`);
    this.name = 'ForeignAnswer';
    this.status = status;
    this.headers = headers;
  }
}

/**
 * fetch, with the failures the API did not answer made recognisable: a connection that failed, and
 * an answer that is not JSON (tRPC would report only that it could not parse it).
 */
export function recognisingFetch(fetchImpl: typeof globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    let response: Response;
    try {
      response = await fetchImpl(input, init);
    } catch (error) {
      // An abort is the caller's (or the timeout's) doing, and is reported as such elsewhere.
      if (init?.signal?.aborted) throw error;
      throw new ConnectionFailure(error);
    }
    if (!/\bjson\b/i.test(response.headers.get('content-type') ?? '')) {
      await response.body?.cancel().catch(() => undefined);
      throw new ForeignAnswer(response.status, response.headers);
    }
    return response;
  };
}

/** Retry-After in seconds, from its number-of-seconds or HTTP-date form. */
export function retryAfterOf(headers: Headers | undefined): number | undefined {
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** Statuses that say "try again": the API's dependency failed, or something in front of it did. */
const TRANSIENT_STATUSES = new Set([502, 503, 504]);

export type Failure = FailureFacts & { transient: boolean };

/** What a failed call amounts to: the API's error body when it answered, else why nothing did. */
export function failureOf(error: TRPCClientError<never>): Failure {
  const response = (error.meta as { response?: Response } | undefined)?.response;
  const data = (error.shape as ApiErrorShape | undefined)?.data;
  if (data?.errorCode) {
    const httpStatus = data.httpStatus ?? response?.status ?? 0;
    const fromDetails = data.details?.retryAfterSeconds;
    return {
      code: data.errorCode,
      message: error.message,
      httpStatus,
      requestId: response?.headers.get('x-request-id') ?? undefined,
      retryAfterSeconds: retryAfterOf(response?.headers) ?? (typeof fromDetails === 'number' ? fromDetails : undefined),
      field: data.field,
      issues: data.issues,
      details: data.details,
      transient: TRANSIENT_STATUSES.has(httpStatus),
    };
  }
  const cause = error.cause;
  if (cause instanceof ForeignAnswer) {
    return {
      code: 'NETWORK_ERROR',
      message: cause.message,
      httpStatus: cause.status,
      requestId: cause.headers.get('x-request-id') ?? undefined,
      retryAfterSeconds: retryAfterOf(cause.headers),
      cause,
      transient: TRANSIENT_STATUSES.has(cause.status),
    };
  }
  const code: StrictOpsErrorCode = 'NETWORK_ERROR';
  return { code, message: error.message, cause: cause ?? error, transient: cause instanceof ConnectionFailure };
}
