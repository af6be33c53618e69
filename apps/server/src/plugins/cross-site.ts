import { SESSION_COOKIE } from '@strictops/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken } from '../request-context.ts';
import { sendError } from './errors.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-site request forgery protection for cookie-authenticated mutations. A browser attaches the
 * session cookie to any site's form post, so such a request must say where it came from (an
 * Origin equal to ours) and send JSON, which a plain cross-site form cannot. The guard decides by
 * what authenticates the request, read exactly as the API reads it: a bearer token carries its own
 * proof and the cookie is then ignored, but any other Authorization header (`Basic …`, a bare
 * `Bearer`) authenticates nothing, so the cookie still does and the guard still applies.
 * Registered on the root instance (not as an encapsulated plugin) so that the hook covers every
 * route.
 */
export function registerCrossSiteGuard(app: FastifyInstance, { allowedOrigins }: { allowedOrigins: string[] }) {
  const allowed = new Set(allowedOrigins.map((origin) => new URL(origin).origin));

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (SAFE_METHODS.has(request.method)) return;
    if (bearerToken(request) !== null || !request.cookies[SESSION_COOKIE]) return;

    const origin = request.headers.origin;
    if (!origin || !allowed.has(origin)) {
      return sendError(reply, {
        errorCode: 'CROSS_SITE_REQUEST',
        message: 'A cookie-authenticated change must come from this site (Origin header)',
      });
    }
    const contentType = request.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(contentType)) {
      return sendError(reply, {
        errorCode: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'A cookie-authenticated change must send application/json',
      });
    }
  });
}
