import type { FastifyInstance } from 'fastify';
import { sendError } from './errors.ts';

const CREDENTIAL_PARAMS = new Set(['access_token', 'token', 'api_key', 'apikey', 'session']);

/**
 * Refuses credentials in query strings: URLs end up in logs, browser history and proxies' caches.
 * Tokens travel in the Authorization header only.
 */
export function registerCredentialsInUrlGuard(app: FastifyInstance) {
  app.addHook('onRequest', async (request, reply) => {
    const query = request.url.indexOf('?');
    if (query === -1) return;
    for (const [name, value] of new URLSearchParams(request.url.slice(query + 1))) {
      if (CREDENTIAL_PARAMS.has(name.toLowerCase()) || value.includes('sops_')) {
        return sendError(reply, {
          errorCode: 'CREDENTIALS_IN_URL',
          message: 'Send credentials in the Authorization header, never in the URL',
        });
      }
    }
  });
}
