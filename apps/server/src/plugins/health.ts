import type { Orm } from '@strictops/db';
import type { FastifyInstance } from 'fastify';

/** /healthz: the process answers. /readyz: and its database does too. */
export async function healthPlugin(app: FastifyInstance, { orm }: { orm: Orm }) {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    // A real round trip: the pool may have no connection yet, or only dead ones.
    const database = await orm.em
      .getConnection()
      .execute('select 1')
      .then(() => true)
      .catch((error: unknown) => {
        request.log.warn({ err: error }, 'database not reachable');
        return false;
      });
    return reply.code(database ? 200 : 503).send({ status: database ? 'ready' : 'unavailable', database });
  });
}
