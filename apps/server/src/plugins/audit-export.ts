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
 * its stream of lines into an HTTP body. The first chunk is read before the status is sent, so a
 * failure to start (a query the database refuses) is an error answer, not a 200 cut short.
 */
export async function auditExportPlugin(
  app: FastifyInstance,
  { dependencies, config }: { dependencies: ApiDependencies; config: ServerConfig },
) {
  app.get('/audit-events/export', { schema: { hide: true } }, async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const format = query.format === 'csv' ? 'csv' : 'ndjson';
    const caller = createCaller(contextFromRequest(dependencies, config, request, reply));
    let body: Readable;
    try {
      const lines = await caller.auditEvents.export({ format, from: query.from as never, to: query.to as never });
      const chunks = lines[Symbol.asyncIterator]();
      const first = await chunks.next();
      body = Readable.from(restartedAt(first, chunks));
    } catch (error) {
      return sendCallFailure(request, reply, error);
    }
    return reply
      .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
      .header('content-disposition', `attachment; filename="audit-events.${format === 'csv' ? 'csv' : 'ndjson'}"`)
      .send(body);
  });
}

/** The chunks of a stream whose first chunk has been read already. */
async function* restartedAt(first: IteratorResult<string>, rest: AsyncIterator<string>): AsyncGenerator<string> {
  if (first.done) return;
  yield first.value;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}
