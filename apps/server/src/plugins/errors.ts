import {
  domainErrorOf,
  type ErrorCode,
  httpStatusOf,
  isDatabaseUnavailable,
  trpcCodeOf,
  type ValidationIssue,
  validationIssues,
} from '@strictops/api';
import { TRPCError } from '@trpc/server';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { noteForLog, requestLogNotes } from './request-log.ts';

type Failure = {
  errorCode: ErrorCode;
  message: string;
  field?: string;
  issues?: ValidationIssue[];
  details?: Record<string, unknown>;
};

/**
 * The API's error body, for what fails outside a procedure (before one runs, or in a route of the
 * server's own): the status comes from the error code, as it does for procedures.
 */
export function sendError(reply: FastifyReply, { errorCode, message, field, issues, details }: Failure) {
  const status = httpStatusOf(errorCode);
  const code = trpcCodeOf(errorCode);
  const retryAfter = details?.retryAfterSeconds;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  return reply.code(status).send({
    message,
    code,
    data: {
      code,
      httpStatus: status,
      errorCode,
      ...(field !== undefined ? { field } : {}),
      ...(issues ? { issues } : {}),
      ...(details ? { details } : {}),
    },
  });
}

/** The code of a refusal Fastify itself raised, by the status it chose; anything else is bad input. */
const FASTIFY_REFUSALS: Partial<Record<number, ErrorCode>> = {
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/**
 * Errors raised by Fastify itself (a malformed JSON body, an oversize one, a wrong content type) and
 * paths nothing answers: the caller's fault, so a 4xx with a stable code. A database that does not
 * answer is a 503 to retry. Anything else is logged and answered as a bare 500.
 */
export function registerErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const field = (error as { field?: unknown }).field;
      return sendError(reply, {
        errorCode: FASTIFY_REFUSALS[status] ?? 'VALIDATION_FAILED',
        message: error.message,
        field: typeof field === 'string' ? field : undefined,
      });
    }
    return sendCallFailure(request, reply, error);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, {
      errorCode: 'NOT_FOUND',
      message: `Nothing answers ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
}

/** The stable code and status of a failed call, from a procedure or a service; null if unexpected. */
export function failureOf(error: unknown): (Failure & { status: number }) | null {
  const cause = domainErrorOf(error instanceof TRPCError ? error.cause : error);
  if (cause) {
    return {
      status: httpStatusOf(cause.code),
      errorCode: cause.code,
      message: cause.message,
      field: cause.field,
      details: cause.details,
    };
  }
  if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR') {
    const issues = validationIssues(error.cause);
    return {
      status: httpStatusOf('VALIDATION_FAILED'),
      errorCode: 'VALIDATION_FAILED',
      message: error.message,
      field: issues?.[0]?.path,
      issues,
    };
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
  if (isDatabaseUnavailable(error)) {
    noteForLog(request, { event: 'database unavailable', reason: (error as Error | undefined)?.message });
  }
  if (failure) return sendError(reply, failure);
  noteForLog(request, { err: error });
  return sendError(reply, { errorCode: 'INTERNAL', message: 'Internal server error' });
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
