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
};

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
        fetch: options.fetch,
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
