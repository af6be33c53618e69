import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { type ApiDependencies, appRouter } from '@strictops/api';
import type { FastifyInstance } from 'fastify';
import { fastifyTRPCOpenApiPlugin, generateOpenApiDocument } from 'trpc-to-openapi';
import type { ServerConfig } from '../config.ts';
import { procedureHandlerOptions } from '../request-context.ts';
import { restRouter } from './rest-router.ts';

export function openApiDocument(config: Pick<ServerConfig, 'publicUrl'>) {
  return generateOpenApiDocument(appRouter, {
    title: 'StrictOps control plane API',
    description:
      'Organizations, members and everything they own. Authenticate with `Authorization: Bearer <token>` ' +
      '(from sign-up or sign-in) and choose the organization with the `x-strictops-organization` header (id or slug).',
    version: '0.1.0',
    baseUrl: config.publicUrl,
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
  });
}

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
