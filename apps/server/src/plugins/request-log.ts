import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** What the request's log line should say besides its outcome (an error, an upstream failure). */
    logNote: Record<string, unknown> | undefined;
  }
}

/** Adds `fields` to the request's one log line (written when it has been answered). */
export function noteForLog(request: FastifyRequest, fields: Record<string, unknown>) {
  request.logNote = { ...request.logNote, ...fields };
}

/** A `{ warn, error }` logger that writes into the request's log line, for helpers that take a logger. */
export const requestLogNotes = (request: FastifyRequest) => ({
  warn: (fields: object, event: string) => noteForLog(request, { ...fields, event }),
  error: (fields: object, event: string) => noteForLog(request, { ...fields, event }),
});

// Probes and scrapes come every few seconds: a line each would bury the requests that matter.
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One log line per request, once it has been answered, with its request id (pino's `reqId`, which
 * is also the `x-request-id` response header): method, path (never the query string), procedure,
 * status, time taken, and whatever went wrong. 5xx are errors (503 and 502, a dependency's outage,
 * are warnings); successful probes are not logged.
 */
export function registerRequestLog(app: FastifyInstance, procedureOf: (request: FastifyRequest) => string) {
  app.decorateRequest('logNote', undefined);
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    if (status < 400 && QUIET_ROUTES.has(request.routeOptions.url ?? '')) return;
    const line = {
      method: request.method,
      path: request.url.split('?')[0],
      procedure: procedureOf(request),
      status,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      ...request.logNote,
    };
    if (status === 502 || status === 503) request.log.warn(line, 'request');
    else if (status >= 500) request.log.error(line, 'request');
    else request.log.info(line, 'request');
  });
}
