import { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Endpoint classes (SPEC §6). Every procedure belongs to one; see `rateClassOf`. */
export const RATE_CLASSES = ['read', 'write', 'deploy', 'auth'] as const;
export type RateClass = (typeof RATE_CLASSES)[number];

/** Points per minute at FREE, multiplied by the tier's `rateLimitMultiplier`. */
export const PER_MINUTE = { read: 600, write: 120, deploy: 10 } as const;
/** Unauthenticated auth endpoints: per email and per client IP, whatever the tier. */
export const AUTH_PER_MINUTE = { email: 10, ip: 30 } as const;

export type RateDecision = {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
};

const WINDOW_SECONDS = 60;

/**
 * Fixed-window counters per key, in Redis when REDIS_URL is set (so every server process shares
 * them) and in memory otherwise. A Redis outage never fails a request: each Redis limiter has an
 * in-memory insurance limiter that counts while Redis is unreachable, and Redis is used again as
 * soon as it answers.
 */
export class RateLimits {
  readonly store: 'memory' | 'redis';
  #redis: Redis | undefined;
  #limiters = new Map<string, RateLimiterAbstract>();
  #refusals = new Map<string, number>();

  constructor({ redisUrl, commandTimeoutMs = 500 }: { redisUrl?: string; commandTimeoutMs?: number }) {
    this.store = redisUrl ? 'redis' : 'memory';
    // No offline queue: while Redis is down a call fails at once and the insurance limiter answers;
    // a command timeout does the same for a Redis that is frozen or cut off.
    this.#redis = redisUrl
      ? new Redis(redisUrl, {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 1000,
          commandTimeout: commandTimeoutMs,
        })
      : undefined;
    this.#redis?.on('error', () => {
      // Reconnection is automatic; requests are served by the insurance limiter meanwhile.
    });
  }

  #limiter(name: string, points: number): RateLimiterAbstract {
    const id = `${name}:${points}`;
    let limiter = this.#limiters.get(id);
    if (!limiter) {
      const options = { keyPrefix: `strictops:rl:${name}`, points, duration: WINDOW_SECONDS };
      limiter = this.#redis
        ? new RateLimiterRedis({
            ...options,
            storeClient: this.#redis,
            insuranceLimiter: new RateLimiterMemory(options),
          })
        : new RateLimiterMemory(options);
      this.#limiters.set(id, limiter);
    }
    return limiter;
  }

  /** Takes one point from `key`'s budget of `points` a minute under the counter `name`. */
  async consume(name: string, key: string, points: number): Promise<RateDecision> {
    const decision = (res: RateLimiterRes, allowed: boolean): RateDecision => ({
      allowed,
      limit: points,
      remaining: Math.max(0, res.remainingPoints),
      resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
    });
    try {
      return decision(await this.#limiter(name, points).consume(key), true);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        this.#refusals.set(name, (this.#refusals.get(name) ?? 0) + 1);
        return decision(rejection, false);
      }
      throw rejection;
    }
  }

  /** How many calls each counter has refused since start (for /metrics). */
  refusals(): ReadonlyMap<string, number> {
    return this.#refusals;
  }

  async close() {
    this.#redis?.disconnect();
  }
}
