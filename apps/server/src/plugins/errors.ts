import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';

const TRPC_CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
};

/** The same body shape as the API's own errors, for what fails before a procedure runs. */
export function sendError(reply: FastifyReply, status: number, errorCode: string, message: string) {
  return reply.code(status).send({
    message,
    code: TRPC_CODE_BY_STATUS[status] ?? 'INTERNAL_SERVER_ERROR',
    data: { code: TRPC_CODE_BY_STATUS[status] ?? 'INTERNAL_SERVER_ERROR', httpStatus: status, errorCode },
  });
}

/**
 * Errors raised by Fastify itself (a malformed JSON body, an oversize one, a wrong content type):
 * the caller's fault, so a 4xx with a stable code. Anything else is logged and answered as a bare 500.
 */
export function registerErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const errorCode = status === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED';
      return sendError(reply, status, errorCode, error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, 500, 'INTERNAL', 'Internal server error');
  });
}
