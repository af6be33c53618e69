import { type ApiDependencies, type Context, createContext, SESSION_COOKIE } from '@strictops/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerConfig } from './config.ts';
import { failureOf, logUpstreamFailure } from './plugins/errors.ts';
import { noteForLog, requestLogNotes } from './plugins/request-log.ts';

const ORGANIZATION_HEADER = 'x-strictops-organization';

/**
 * The secret of `Authorization: Bearer <secret>`, or null. When it is null the session cookie is
 * what authenticates the request (see `authenticate`): the cross-site guard reads it from here too.
 */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

function singleHeader(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

/** Adapts one Fastify request to the API's transport-free context. */
export function contextFromRequest(
  dependencies: ApiDependencies,
  config: Pick<ServerConfig, 'secureCookies'>,
  request: FastifyRequest,
  reply: FastifyReply,
): Context {
  return createContext(
    dependencies,
    {
      requestId: request.id,
      ip: request.ip ?? null,
      userAgent: singleHeader(request.headers['user-agent'])?.slice(0, 512) ?? null,
      bearerToken: bearerToken(request),
      cookieToken: request.cookies[SESSION_COOKIE] ?? null,
      organization: singleHeader(request.headers[ORGANIZATION_HEADER]),
      idempotencyKey: singleHeader(request.headers['idempotency-key']),
    },
    {
      setSessionCookie(token, expiresAt) {
        reply.setCookie(SESSION_COOKIE, token, {
          httpOnly: true,
          sameSite: 'lax',
          secure: config.secureCookies,
          path: '/',
          expires: expiresAt,
        });
      },
      clearSessionCookie() {
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
      },
      setHeader(name, value) {
        reply.header(name, value);
      },
    },
  );
}

/** The context factory and error log shared by the tRPC and the REST handlers. */
export function procedureHandlerOptions(dependencies: ApiDependencies, config: Pick<ServerConfig, 'secureCookies'>) {
  return {
    createContext: ({ req, res }: { req: FastifyRequest; res: FastifyReply }) =>
      contextFromRequest(dependencies, config, req, res),
    // Written into the request's one log line (see request-log.ts).
    onError: ({
      error,
      path,
      req,
    }: {
      error: { code: string; cause?: unknown };
      path?: string;
      req: FastifyRequest;
    }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        noteForLog(req, { err: error.cause ?? error, event: 'procedure failed' });
      // GitHub, AWS or the mail relay failed or refused us (a rotated secret looks like this).
      else logUpstreamFailure(requestLogNotes(req), failureOf(error), path);
    },
  };
}
