import type { AppRouter } from '@strictops/api/sdk-types';
import { createTRPCClient, httpBatchLink, type TRPCClient, type TRPCClientError, type TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import superjson from 'superjson';
import { StrictOpsError } from './errors.ts';

export type StrictOpsClientOptions = {
  /** Where the API is served, e.g. `https://api.strictops.dev` or `http://localhost:3000`. */
  baseUrl: string;
  /** A session token (from sign-up or sign-in) or an API token, sent as a bearer token. */
  token?: string | (() => string | undefined | Promise<string | undefined>);
  /** The organization (id or slug) requests act on; defaults to the session's active organization. */
  organization?: string;
  /** A fetch implementation, for runtimes without a global one or for tests. */
  fetch?: typeof globalThis.fetch;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /**
   * Waits out a 429 (rate limited) for as long as its Retry-After says, then tries again. On by
   * default with 2 retries and at most 30 s of waiting per retry; `false` surfaces every 429 at once
   * as a StrictOpsError with code RATE_LIMITED.
   */
  retryRateLimited?: false | { maxRetries?: number; maxWaitSeconds?: number };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** fetch that waits out 429 answers, a bounded number of times, then hands the last answer on. */
function retryingFetch(
  fetchImpl: typeof globalThis.fetch,
  { maxRetries = 2, maxWaitSeconds = 30 }: { maxRetries?: number; maxWaitSeconds?: number },
): typeof globalThis.fetch {
  return async (input, init) => {
    for (let attempt = 0; ; attempt++) {
      const response = await fetchImpl(input, init);
      const retryAfter = Number(response.headers.get('retry-after'));
      if (response.status !== 429 || attempt >= maxRetries || !Number.isFinite(retryAfter)) return response;
      await response.body?.cancel();
      await sleep(Math.min(Math.max(retryAfter, 0), maxWaitSeconds) * 1000);
    }
  };
}

/** Rethrows every client error as a StrictOpsError, so callers handle one type with a stable `code`. */
const strictOpsErrors: TRPCLink<AppRouter> =
  () =>
  ({ next, op }) =>
    observable((observer) =>
      next(op).subscribe({
        next: (value) => observer.next(value),
        error: (error: TRPCClientError<AppRouter>) => observer.error(new StrictOpsError(error)),
        complete: () => observer.complete(),
      }),
    );

/** A typed client for the StrictOps API over tRPC. */
export function createStrictOpsClient(options: StrictOpsClientOptions): StrictOpsClient {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/trpc`;
  return createTRPCClient<AppRouter>({
    links: [
      strictOpsErrors,
      httpBatchLink({
        url,
        transformer: superjson,
        fetch:
          options.retryRateLimited === false
            ? options.fetch
            : retryingFetch(
                options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
                options.retryRateLimited ?? {},
              ),
        async headers() {
          const token = typeof options.token === 'function' ? await options.token() : options.token;
          return {
            ...options.headers,
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(options.organization ? { 'x-strictops-organization': options.organization } : {}),
          };
        },
      }),
    ],
  });
}

export type StrictOpsClient = TRPCClient<AppRouter>;
