import { type ApiDependencies, appRouter } from '@strictops/api';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../config.ts';
import { procedureHandlerOptions } from '../request-context.ts';

export const MAX_BATCH_SIZE = 20;

/** tRPC at /trpc, for the SDK and internal services. Batching is on, bounded. */
export async function trpcPlugin(
  app: FastifyInstance,
  { dependencies, config, bodyLimit }: { dependencies: ApiDependencies; config: ServerConfig; bodyLimit: number },
) {
  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      allowBatching: true,
      maxBatchSize: MAX_BATCH_SIZE,
      maxBodySize: bodyLimit,
      ...procedureHandlerOptions(dependencies, config),
    },
  });
}
