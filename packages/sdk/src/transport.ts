import { httpBatchLink, httpBatchStreamLink, httpLink, type Operation, splitLink, type TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import superjson from 'superjson';
import { recognisingFetch } from './failures.ts';
import { type ResiliencePolicy, type RetryEvent, resilienceLink } from './resilience-link.ts';
import { answersStream } from './streams.ts';
import { SDK_VERSION, USER_AGENT } from './version.ts';

/** The most calls the API takes in one batch; more are sent in further batches. */
export const MAX_BATCH_ITEMS = 20;
/**
 * The longest URL the SDK sends: short enough for every proxy and load balancer in common use (IIS
 * stops query strings at 2 KiB; most others allow 8 KiB). Batches of queries are split to stay under it.
 */
export const MAX_URL_LENGTH = 2048;
/** A mutation's input larger than this goes in a request of its own, so batches stay far below the body limit. */
const MAX_BATCHED_INPUT = 8 * 1024;

export type Credential = string | (() => string | undefined | Promise<string | undefined>);

/** How every client talks to the API; createStrictOpsClient and createStrictOpsInternalClient share it. */
export type TransportOptions = {
  /** Where the API is served, e.g. `https://api.strictops.dev` or `http://localhost:3000`. */
  baseUrl: string;
  /** A fetch implementation, for runtimes without a global one or for tests. */
  fetch?: typeof globalThis.fetch;
  /** Extra headers sent with every request (they win over the SDK's own `user-agent`). */
  headers?: Record<string, string>;
  /**
   * Milliseconds a call may take, retries and waits included; then it fails with `TIMEOUT`. Default
   * 60 000; 0 for no limit. One call can say otherwise: `query(input, { context: { timeoutMs } })`.
   */
  timeoutMs?: number;
  /**
   * Retries network errors and 502, 503 and 504 answers with exponential backoff and jitter, for
   * queries and for mutations that carry an `idempotencyKey` (the API recognises their repeats).
   * Default 2 retries, waits from 250 ms up to 8 s; `false` turns it off.
   */
  retry?: false | { maxRetries?: number; baseDelayMs?: number; maxDelayMs?: number };
  /**
   * Waits out a 429 (rate limited) for as long as its Retry-After says, then tries again. On by
   * default with 2 retries and at most 30 s of waiting per retry; `false` surfaces every 429 at once
   * as a StrictOpsError with code RATE_LIMITED.
   */
  retryRateLimited?: false | { maxRetries?: number; maxWaitSeconds?: number };
  /** Called before the SDK waits to try a call again (a 429, or a transient failure): log or measure it here. */
  onRetry?: (event: RetryEvent) => void;
};

export function resiliencePolicy(options: TransportOptions): ResiliencePolicy {
  return {
    timeoutMs: options.timeoutMs ?? 60_000,
    retry:
      options.retry === false
        ? false
        : { maxRetries: 2, baseDelayMs: 250, maxDelayMs: 8_000, ...stripUndefined(options.retry ?? {}) },
    rateLimited:
      options.retryRateLimited === false
        ? false
        : { maxRetries: 2, maxWaitSeconds: 30, ...stripUndefined(options.retryRateLimited ?? {}) },
    onRetry: options.onRetry,
  };
}

const stripUndefined = <T extends object>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * Whether a call goes in a request of its own, by POST: a query whose URL would be longer than
 * MAX_URL_LENGTH (a strictops.yml to validate), a large mutation, and any input that looks like an
 * API token (the API refuses credentials in URLs).
 */
function sentAlone(op: Operation, url: string): boolean {
  const input = JSON.stringify(superjson.serialize(op.input));
  if (input.includes('sops_')) return true;
  if (op.type !== 'query') return input.length > MAX_BATCHED_INPUT;
  const query = `?batch=1&input=${encodeURIComponent(`{"0":${input}}`)}`;
  return `${url}/${op.path}${query}`.length > MAX_URL_LENGTH;
}

/** The links of a client: resilience and errors first, then batching or a request of its own. */
export function transportLinks(
  options: TransportOptions & { credential?: Credential; organization?: string },
): TRPCLink<AnyRouter>[] {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/trpc`;
  const fetch = recognisingFetch(options.fetch ?? ((input, init) => globalThis.fetch(input, init)));
  const headers = async () => {
    const credential = typeof options.credential === 'function' ? await options.credential() : options.credential;
    return {
      'user-agent': USER_AGENT,
      'x-strictops-sdk': `js/${SDK_VERSION}`,
      ...options.headers,
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
      ...(options.organization ? { 'x-strictops-organization': options.organization } : {}),
    };
  };
  return [
    resilienceLink(resiliencePolicy(options)),
    splitLink({
      condition: (op) => answersStream(op.path),
      true: httpBatchStreamLink({ url, transformer: superjson, fetch, headers, maxItems: 1 }),
      false: splitLink({
        condition: (op) => sentAlone(op, url),
        true: httpLink({ url, transformer: superjson, fetch, headers, methodOverride: 'POST' }),
        false: httpBatchLink({
          url,
          transformer: superjson,
          fetch,
          headers,
          maxItems: MAX_BATCH_ITEMS,
          maxURLLength: MAX_URL_LENGTH,
        }),
      }),
    }),
  ];
}
