import type { Orm } from '@strictops/db';
import type { FastifyInstance } from 'fastify';

/** /healthz: the process answers. /readyz: and its database does too. */
export async function healthPlugin(app: FastifyInstance, { orm }: { orm: Orm }) {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const database = await orm
      .checkConnection()
      .then((result) => result.ok)
      .catch(() => false);
    return reply.code(database ? 200 : 503).send({ status: database ? 'ready' : 'unavailable', database });
  });
}
