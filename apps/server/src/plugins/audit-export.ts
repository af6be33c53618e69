import { Readable } from 'node:stream';
import { type ApiDependencies, appRouter, createCallerFactory } from '@strictops/api';
import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../config.ts';
import { contextFromRequest } from '../request-context.ts';
import { sendCallFailure } from './errors.ts';

const createCaller = createCallerFactory(appRouter);

/**
 * GET /audit-events/export?format=ndjson|csv&from=&to=: the audit log as a streamed download. The
 * procedure does the work (authentication, organization, permission, tier); this route only turns
 * its stream of lines into an HTTP body.
 */
export async function auditExportPlugin(
  app: FastifyInstance,
  { dependencies, config }: { dependencies: ApiDependencies; config: ServerConfig },
) {
  app.get('/audit-events/export', { schema: { hide: true } }, async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const format = query.format === 'csv' ? 'csv' : 'ndjson';
    const caller = createCaller(contextFromRequest(dependencies, config, request, reply));
    try {
      const lines = await caller.auditEvents.export({ format, from: query.from as never, to: query.to as never });
      return reply
        .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
        .header('content-disposition', `attachment; filename="audit-events.${format === 'csv' ? 'csv' : 'ndjson'}"`)
        .send(Readable.from(lines));
    } catch (error) {
      return sendCallFailure(request, reply, error);
    }
  });
}
