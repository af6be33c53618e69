import { timingSafeEqual } from 'node:crypto';
import type { RateLimits } from '@strictops/api';
import type { Orm } from '@strictops/db';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { sendError } from './errors.ts';

type Pool = { totalCount: number; idleCount: number; waitingCount: number; options: { max: number } };
type OutboxStats = { pending: string; due: string; oldest_due_seconds: number; failed: string };

/**
 * /metrics in the Prometheus text format, for a bearer of METRICS_TOKEN only (unset: not served):
 * requests by procedure and status with their latency, the database pool's use and waiters,
 * rate-limit refusals, the alert outbox's backlog and failures, and the process's own metrics.
 * Each server process has its own registry; scrape every replica.
 */
export function registerMetrics(
  app: FastifyInstance,
  {
    orm,
    rateLimits,
    token,
    procedureOf,
  }: {
    orm: Orm;
    rateLimits: RateLimits | undefined;
    token: string;
    /** The procedure a request called ('auth.me'), or what it reached if none. */
    procedureOf: (request: FastifyRequest) => string;
  },
) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  countRequests(app, registry, procedureOf);
  gaugePool(registry, orm);
  if (rateLimits) countRateLimitRefusals(registry, rateLimits);
  const outbox = gaugeOutbox(registry, orm);

  const expected = Buffer.from(`Bearer ${token}`);
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return sendError(reply, { errorCode: 'UNAUTHENTICATED', message: 'Send Authorization: Bearer <METRICS_TOKEN>' });
    }
    outbox.newScrape();
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });
}

function countRequests(app: FastifyInstance, registry: Registry, procedureOf: (request: FastifyRequest) => string) {
  const requests = new Counter({
    name: 'strictops_http_requests_total',
    help: 'HTTP requests answered, by procedure (or route), method and status',
    labelNames: ['procedure', 'method', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'strictops_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent, by procedure (or route) and method',
    labelNames: ['procedure', 'method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const procedure = procedureOf(request);
    requests.inc({ procedure, method: request.method, status: String(reply.statusCode) });
    latency.observe({ procedure, method: request.method }, reply.elapsedTime / 1000);
  });
}

function gaugePool(registry: Registry, orm: Orm) {
  new Gauge({
    name: 'strictops_db_pool_connections',
    help: 'Database pool connections: open, idle, in use, requests waiting for one, and the maximum',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      // The pool's own counters: no query, so this answers while the database does not.
      const native = (await orm.em.getConnection().getNativeClient()) as Pool;
      this.set({ state: 'open' }, native.totalCount);
      this.set({ state: 'idle' }, native.idleCount);
      this.set({ state: 'in_use' }, native.totalCount - native.idleCount);
      this.set({ state: 'waiting' }, native.waitingCount);
      this.set({ state: 'max' }, native.options.max);
    },
  });
}

function countRateLimitRefusals(registry: Registry, rateLimits: RateLimits) {
  new Counter({
    name: 'strictops_rate_limit_refusals_total',
    help: 'Calls refused by a rate limit (429), by counter: read, write, deploy, auth-email, auth-ip',
    labelNames: ['counter'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [counter, refused] of rateLimits.refusals()) this.inc({ counter }, refused);
    },
  });
}

/** The outbox gauges; `newScrape` forgets the stats read for the previous scrape. */
function gaugeOutbox(registry: Registry, orm: Orm) {
  // Read once per scrape, for both outbox gauges; a database that does not answer leaves them out
  // of this scrape rather than holding it up.
  let outbox: Promise<OutboxStats | undefined> | undefined;
  const outboxStats = () => {
    outbox ??= Promise.race([
      orm.em
        .fork()
        .execute<OutboxStats[]>('select * from alert_outbox_stats()')
        .then(
          ([stats]) => stats,
          () => undefined,
        ),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 500).unref()),
    ]);
    return outbox;
  };
  new Gauge({
    name: 'strictops_alert_outbox',
    help: 'Alert deliveries in the outbox (every organization): pending, due now, failed for good',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const stats = await outboxStats();
      if (!stats) return;
      this.set({ state: 'pending' }, Number(stats.pending));
      this.set({ state: 'due' }, Number(stats.due));
      this.set({ state: 'failed' }, Number(stats.failed));
    },
  });
  new Gauge({
    name: 'strictops_alert_outbox_oldest_due_seconds',
    help: 'How long the oldest due alert delivery has waited: grows when deliveries fall behind',
    registers: [registry],
    async collect() {
      const stats = await outboxStats();
      if (stats) this.set(Number(stats.oldest_due_seconds));
    },
  });
  return {
    newScrape() {
      outbox = undefined;
    },
  };
}
