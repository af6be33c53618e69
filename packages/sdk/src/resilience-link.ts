import type { TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { StrictOpsError } from './errors.ts';
import { type Failure, failureOf } from './failures.ts';
import { answersStream } from './streams.ts';

/** Told before the SDK waits to try a call again. */
export type RetryEvent = {
  /** The procedure, as `projects.list`. */
  path: string;
  /** The retry about to happen: 1 for the first. */
  attempt: number;
  /** How long the SDK waits first. */
  delayMs: number;
  /** `rate_limited`: a 429 is waited out; `transient`: a network error, 502, 503 or 504 is retried. */
  reason: 'rate_limited' | 'transient';
  /** The failure being retried. */
  error: StrictOpsError;
};

export type ResiliencePolicy = {
  /** Milliseconds a call may take, retries and waits included; 0 for no limit. */
  timeoutMs: number;
  /** Retries of network errors, 502, 503 and 504, for queries and for mutations with an idempotency key. */
  retry: false | { maxRetries: number; baseDelayMs: number; maxDelayMs: number };
  /** Waits out a 429 for its Retry-After; false surfaces it at once. */
  rateLimited: false | { maxRetries: number; maxWaitSeconds: number };
  onRetry?: (event: RetryEvent) => void;
};

/** A mutation may be sent again only when the API will recognise the repeat: it carries an idempotency key. */
const repeatable = (type: string, input: unknown) =>
  type === 'query' ||
  (typeof input === 'object' &&
    input !== null &&
    typeof (input as { idempotencyKey?: unknown }).idempotencyKey === 'string');

/** Exponential backoff with full jitter: a random wait up to base × 2^attempt, capped. */
const backoff = (attempt: number, { baseDelayMs, maxDelayMs }: { baseDelayMs: number; maxDelayMs: number }) =>
  Math.round(Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));

const toError = (failure: Failure, original?: unknown) =>
  new StrictOpsError(failure, original as ConstructorParameters<typeof StrictOpsError>[1]);

/**
 * Turns every failure into a StrictOpsError, and gives each call a deadline, the caller's
 * AbortSignal (honoured while a request is in flight and while the SDK waits), waits for 429s and
 * retries with backoff for transient failures.
 */
export function resilienceLink(policy: ResiliencePolicy): TRPCLink<AnyRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const perCall = (op.context as { timeoutMs?: unknown }).timeoutMs;
        const timeoutMs = typeof perCall === 'number' ? perCall : policy.timeoutMs;
        const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
        // Aborts this call's request when the call ends early (timeout, abort, unsubscribe).
        const inFlight = new AbortController();
        let attemptSubscription: Unsubscribable | undefined;
        let wait: ReturnType<typeof setTimeout> | undefined;
        let finished = false;
        let transientRetries = 0;
        let rateLimitedRetries = 0;

        const settle = () => {
          finished = true;
          clearTimeout(wait);
          clearTimeout(deadlineTimer);
          op.signal?.removeEventListener('abort', onAbort);
        };
        /** Ends the call before its answer: the request in flight is abandoned. */
        const cancel = () => {
          settle();
          attemptSubscription?.unsubscribe();
          inFlight.abort();
        };
        const fail = (error: StrictOpsError) => {
          if (finished) return;
          cancel();
          observer.error(error);
        };
        const onAbort = () =>
          fail(new StrictOpsError({ code: 'ABORTED', message: 'The call was aborted', cause: op.signal?.reason }));
        const deadlineTimer =
          timeoutMs > 0
            ? setTimeout(
                () => fail(new StrictOpsError({ code: 'TIMEOUT', message: `No answer within ${timeoutMs} ms` })),
                timeoutMs,
              )
            : undefined;

        /** How long to wait before trying again, or undefined to give up. */
        const retryDelay = (failure: Failure): { delayMs: number; reason: RetryEvent['reason'] } | undefined => {
          if (failure.httpStatus === 429 && policy.rateLimited && failure.retryAfterSeconds !== undefined) {
            if (rateLimitedRetries >= policy.rateLimited.maxRetries) return undefined;
            rateLimitedRetries++;
            const seconds = Math.min(failure.retryAfterSeconds, policy.rateLimited.maxWaitSeconds);
            return { delayMs: Math.max(0, seconds * 1000), reason: 'rate_limited' };
          }
          if (failure.transient && policy.retry && repeatable(op.type, op.input)) {
            if (transientRetries >= policy.retry.maxRetries) return undefined;
            const delayMs =
              failure.retryAfterSeconds !== undefined
                ? Math.min(failure.retryAfterSeconds * 1000, policy.retry.maxDelayMs)
                : backoff(transientRetries, policy.retry);
            transientRetries++;
            return { delayMs, reason: 'transient' };
          }
          return undefined;
        };

        const attempt = () => {
          attemptSubscription = next({ ...op, signal: inFlight.signal }).subscribe({
            next: (result) => observer.next(result),
            complete: () => {
              if (finished) return;
              // A streamed answer (an export) goes on arriving after this: leave its request be.
              settle();
              observer.complete();
            },
            error: (cause) => {
              if (finished) return;
              const failure = failureOf(cause);
              const error = toError(failure, cause);
              const retry = retryDelay(failure);
              if (!retry || Date.now() + retry.delayMs >= deadline) return fail(error);
              policy.onRetry?.({
                path: op.path,
                attempt: transientRetries + rateLimitedRetries,
                delayMs: retry.delayMs,
                reason: retry.reason,
                error,
              });
              wait = setTimeout(attempt, retry.delayMs);
            },
          });
        };

        if (op.signal?.aborted) {
          onAbort();
        } else {
          op.signal?.addEventListener('abort', onAbort, { once: true });
          // A streamed answer outlives the call's settling: the caller's signal still stops it. Only
          // then, so that a signal shared by many calls (every page of `paginate`) keeps no
          // listener per call.
          if (answersStream(op.path)) op.signal?.addEventListener('abort', () => inFlight.abort(), { once: true });
          attempt();
        }
        return () => {
          if (!finished) cancel();
        };
      });
}
