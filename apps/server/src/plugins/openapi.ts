import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { type ApiDependencies, appRouter } from '@strictops/api';
import type { FastifyInstance } from 'fastify';
import { fastifyTRPCOpenApiPlugin } from 'trpc-to-openapi';
import type { ServerConfig } from '../config.ts';
import { openApiDocument } from '../openapi/document.ts';
import { procedureHandlerOptions } from '../request-context.ts';
import { restRouter } from './rest-router.ts';

export { openApiDocument };

/**
 * REST generated from the same procedures as tRPC, its OpenAPI document at /openapi.json and
 * Swagger UI at /docs.
 */
export async function openApiPlugin(
  app: FastifyInstance,
  { dependencies, config, bodyLimit }: { dependencies: ApiDependencies; config: ServerConfig; bodyLimit: number },
) {
  const document = openApiDocument(config);
  app.get('/openapi.json', { schema: { hide: true } }, async () => document);

  await app.register(fastifySwagger, { mode: 'static', specification: { document: document as never } });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  await app.register(fastifyTRPCOpenApiPlugin, {
    basePath: '/',
    // Copies of the schemas for the adapter to coerce, never the procedures' own (see rest-router.ts).
    router: restRouter(appRouter),
    maxBodySize: bodyLimit,
    ...procedureHandlerOptions(dependencies, config),
  } as never);
}
