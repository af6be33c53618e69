import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import type { ApiDependencies } from '@strictops/api';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ServerConfig } from './config.ts';
import { connectionTracker } from './drain.ts';
import { auditExportPlugin } from './plugins/audit-export.ts';
import { registerCredentialsInUrlGuard } from './plugins/credentials-in-url.ts';
import { registerCrossSiteGuard } from './plugins/cross-site.ts';
import { registerErrorHandler } from './plugins/errors.ts';
import { githubPlugin } from './plugins/github.ts';
import { healthPlugin } from './plugins/health.ts';
import { registerJsonBodyParser } from './plugins/json-body.ts';
import { registerMetrics } from './plugins/metrics.ts';
import { openApiPlugin } from './plugins/openapi.ts';
import { registerRequestLog } from './plugins/request-log.ts';
import { registerSecurityHeaders } from './plugins/security-headers.ts';
import { MAX_BATCH_PATH_LENGTH, trpcPlugin } from './plugins/trpc.ts';
import { procedureResolver } from './procedure-of.ts';

/** Large enough for any request the API takes (a strictops.yml is at most 64 KiB), small enough to refuse abuse. */
export const BODY_LIMIT = 256 * 1024;

export type AppOptions = {
  config: ServerConfig;
  dependencies: ApiDependencies;
  /** A pino logger (see createLogger), or none (tests). */
  logger?: FastifyBaseLogger;
};

const REQUEST_ID = /^[\w.:-]{1,128}$/;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Shutdown has begun: answer what arrives, each with `connection: close`, be unready, and
     * resolve once every connection has ended (quiet ones are ended), or after `maxMs`.
     */
    drain(options: { maxMs: number }): Promise<void>;
  }
}

/** The HTTP host: routing, transport and cross-cutting concerns only. No business logic lives here. */
export async function buildApp({ config, dependencies, logger }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // One line per request instead of Fastify's two (see request-log.ts).
    disableRequestLogging: true,
    bodyLimit: BODY_LIMIT,
    // A caller's request id is kept (so logs line up across services) when it is a sane token.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_BATCH_PATH_LENGTH },
    trustProxy: config.trustProxy,
  });
  await registerSecurityHeaders(app, { production: config.env === 'production' });
  // Once shutdown has begun (draining, then close()), every answer ends its connection, so
  // keep-alive clients move on to another replica instead of sending more here, and /readyz says 503.
  const lifecycle = { closing: false };
  const connections = connectionTracker(app.server);
  app.decorate('drain', async ({ maxMs }: { maxMs: number }) => {
    lifecycle.closing = true;
    await connections.drain({ maxMs, quietMs: 500 });
  });
  app.addHook('onRequest', async (request) => connections.began(request.raw.socket));
  app.addHook('onResponse', async (request) => connections.ended(request.raw.socket));
  app.addHook('preClose', async () => {
    lifecycle.closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (lifecycle.closing) reply.header('connection', 'close');
  });

  const procedureOf = procedureResolver();
  registerRequestLog(app, procedureOf);
  if (config.metricsToken) {
    registerMetrics(app, {
      orm: dependencies.orm,
      rateLimits: dependencies.rateLimits,
      token: config.metricsToken,
      procedureOf,
    });
  }
  registerErrorHandler(app);
  registerJsonBodyParser(app);
  await app.register(fastifyCookie);
  registerCredentialsInUrlGuard(app);
  registerCrossSiteGuard(app, { allowedOrigins: [config.publicUrl] });
  await app.register(healthPlugin, { orm: dependencies.orm, lifecycle });
  await app.register(trpcPlugin, { dependencies, config, bodyLimit: BODY_LIMIT });
  await app.register(auditExportPlugin, { dependencies, config });
  await app.register(githubPlugin, { dependencies, config });
  await app.register(openApiPlugin, { dependencies, config, bodyLimit: BODY_LIMIT });
  return app;
}
