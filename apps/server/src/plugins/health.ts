import type { Orm } from '@strictops/db';
import type { FastifyInstance } from 'fastify';
import { noteForLog } from './request-log.ts';

/** /readyz answers within this, whatever the database does: a probe that hangs tells nobody anything. */
export const READINESS_DEADLINE_MS = 900;

/**
 * /healthz: the process answers (liveness: never depends on the database, so an outage does not get
 * every replica restarted). /readyz: and its database answers a query within the deadline
 * (readiness: a load balancer sends nothing to a replica that would only answer 503, or that is
 * shutting down).
 */
export async function healthPlugin(
  app: FastifyInstance,
  { orm, lifecycle }: { orm: Orm; lifecycle: { closing: boolean } },
) {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    // Shutting down: the load balancer should stop sending here (the process still answers).
    if (lifecycle.closing) return reply.code(503).send({ status: 'shutting down', database: null });
    // A real round trip: the pool may have no connection yet, or only dead ones.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer within ${READINESS_DEADLINE_MS} ms`), READINESS_DEADLINE_MS);
    });
    const problem = await Promise.race([
      orm.em
        .getConnection()
        .execute('select 1')
        .then(
          () => undefined,
          (error: unknown) => (error as Error | undefined)?.message ?? 'query failed',
        ),
      deadline,
    ]);
    clearTimeout(timer);
    if (problem) noteForLog(request, { event: 'database not ready', reason: problem });
    return reply.code(problem ? 503 : 200).send({ status: problem ? 'unavailable' : 'ready', database: !problem });
  });
}
