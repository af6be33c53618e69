import { AppError } from '../errors.ts';
import type { RateClass, RateLimits } from '../rate-limits/rate-limits.ts';
import type { ResponseControl } from './context.ts';
import type { ProcedureMeta } from './meta.ts';

/** The class a procedure's calls are counted under: its meta's, else `read` for queries and `write` for mutations. */
export function rateClassOf(type: string, meta: ProcedureMeta | undefined): RateClass {
  return meta?.rateLimit ?? (type === 'query' ? 'read' : 'write');
}

export type RateLimitCheck = {
  rateClass: RateClass;
  /** The counter, so that classes and callers with the same key do not share a budget. */
  counter: string;
  key: string;
  /** Points per minute for this key. */
  points: number;
};

/**
 * Takes one point from the key's budget and sets the RateLimit-* headers; over the budget it refuses
 * with RATE_LIMITED, which carries when to retry (sent as Retry-After). Runs before the request's
 * transaction opens, so a slow limiter store never holds a database connection.
 */
export async function enforceRateLimit(
  rateLimits: RateLimits | undefined,
  response: ResponseControl,
  { rateClass, counter, key, points }: RateLimitCheck,
): Promise<void> {
  if (!rateLimits) return;
  const decision = await rateLimits.consume(counter, key, points);
  response.setHeader('RateLimit-Limit', String(decision.limit));
  response.setHeader('RateLimit-Remaining', String(decision.remaining));
  response.setHeader('RateLimit-Reset', String(decision.resetSeconds));
  if (!decision.allowed) {
    throw new AppError('RATE_LIMITED', `Too many ${rateClass} requests: at most ${decision.limit} a minute`, {
      details: { class: rateClass, limit: decision.limit },
      retryAfterSeconds: decision.resetSeconds,
    });
  }
}
