import { AppError, DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable, validationIssues } from '@strictops/api';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { noteForLog, requestLogNotes } from './request-log.ts';

const TRPC_CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** The same body shape as the API's own errors, for what fails before a procedure runs. */
export function sendError(reply: FastifyReply, status: number, errorCode: string, message: string, field?: string) {
  const code = TRPC_CODE_BY_STATUS[status] ?? 'INTERNAL_SERVER_ERROR';
  return reply.code(status).send({
    message,
    code,
    data: { code, httpStatus: status, errorCode, ...(field ? { field } : {}) },
  });
}

/**
 * Errors raised by Fastify itself (a malformed JSON body, an oversize one, a wrong content type):
 * the caller's fault, so a 4xx with a stable code. A database that does not answer is a 503 to
 * retry. Anything else is logged and answered as a bare 500.
 */
export function registerErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const errorCode = status === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED';
      const field = (error as { field?: unknown }).field;
      return sendError(reply, status, errorCode, error.message, typeof field === 'string' ? field : undefined);
    }
    if (isDatabaseUnavailable(error)) return sendDatabaseUnavailable(request, reply, error);
    noteForLog(request, { err: error });
    return sendError(reply, 500, 'INTERNAL', 'Internal server error');
  });
}

/** 503 SERVICE_UNAVAILABLE with Retry-After, for a route whose database did not answer. */
export function sendDatabaseUnavailable(request: FastifyRequest, reply: FastifyReply, error: unknown) {
  noteForLog(request, { event: 'database unavailable', reason: (error as Error | undefined)?.message });
  reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
  return sendError(reply, 503, 'SERVICE_UNAVAILABLE', 'The database is not answering: try again in a few seconds');
}

/** The stable code, status and field of a failed call, from a procedure or a service; null if unexpected. */
export function failureOf(
  error: unknown,
): { status: number; errorCode: string; message: string; field?: string } | null {
  const cause = error instanceof TRPCError ? error.cause : error;
  if (cause instanceof AppError) {
    const status = getHTTPStatusCodeFromError(new TRPCError({ code: cause.trpcCode }));
    return { status, errorCode: cause.code, message: cause.message, field: cause.field };
  }
  if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR') {
    const field = validationIssues(error.cause)?.[0]?.path;
    return { status: getHTTPStatusCodeFromError(error), errorCode: 'VALIDATION_FAILED', message: error.message, field };
  }
  return null;
}

/**
 * Answers a call a route made to the API itself (outside the tRPC and REST handlers): the caller's
 * fault as its 4xx with the stable code, anything else logged and answered as a bare 500.
 */
export function sendCallFailure(request: FastifyRequest, reply: FastifyReply, error: unknown) {
  const failure = failureOf(error);
  logUpstreamFailure(requestLogNotes(request), failure);
  if (failure) return sendError(reply, failure.status, failure.errorCode, failure.message, failure.field);
  if (isDatabaseUnavailable(error)) return sendDatabaseUnavailable(request, reply, error);
  noteForLog(request, { err: error });
  return sendError(reply, 500, 'INTERNAL', 'Internal server error');
}

/** A service we depend on failed or refused us (a 502): the caller has the reason, and so does the log. */
export function logUpstreamFailure(
  log: { warn(fields: object, message: string): void },
  failure: ReturnType<typeof failureOf>,
  path?: string,
) {
  if (failure?.status === 502)
    log.warn({ errorCode: failure.errorCode, reason: failure.message, path }, 'upstream failed');
}
