import { type ApiDependencies, appRouter } from '@strictops/api';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../config.ts';
import { procedureHandlerOptions } from '../request-context.ts';

export const MAX_BATCH_SIZE = 20;

/**
 * The longest path segment a full batch makes: tRPC joins the procedure names of a batch with commas
 * (`/trpc/auth.me,projects.list,…`). The router must accept it (Fastify's `maxParamLength`), or a batch
 * of a few long names is a 404.
 */
export const MAX_BATCH_PATH_LENGTH =
  MAX_BATCH_SIZE * (Math.max(...Object.keys(appRouter._def.procedures).map((path) => path.length)) + 1);

/**
 * tRPC at /trpc, for the SDK and internal services. Batching is on, bounded. A query may come by
 * POST (`allowMethodOverride`): the SDK sends one whose input would make too long a URL that way.
 */
export async function trpcPlugin(
  app: FastifyInstance,
  { dependencies, config, bodyLimit }: { dependencies: ApiDependencies; config: ServerConfig; bodyLimit: number },
) {
  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      allowBatching: true,
      allowMethodOverride: true,
      maxBatchSize: MAX_BATCH_SIZE,
      maxBodySize: bodyLimit,
      // tRPC sends the errors it raises before any procedure runs (a batch over the cap, a malformed
      // request) without a content type, which clients then cannot tell from a proxy's page.
      responseMeta: () => ({ headers: { 'content-type': 'application/json' } }),
      ...procedureHandlerOptions(dependencies, config),
    },
  });
}
