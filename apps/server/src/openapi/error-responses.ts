import { codesWithStatus, ERROR_CODES, type ErrorCode, httpStatusOf, TRPC_CODE_BY_STATUS } from '@strictops/api';
import { z } from 'zod';
import type { ZodOpenApiResponseObject } from 'zod-openapi';

const trpcCodes = [...new Set(Object.values(TRPC_CODE_BY_STATUS))];

/** The error body every route answers with, over REST and tRPC alike (formatError, sendError). */
export const ErrorBody = z
  .object({
    message: z.string().describe('What went wrong, for people; branch on `data.errorCode`, never on this'),
    code: z.enum(trpcCodes).describe('The tRPC code carrying the HTTP status'),
    data: z.object({
      errorCode: z
        .enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]])
        .describe('The stable error code (docs/error-codes.md): never renamed or reused'),
      httpStatus: z.number().int().describe('The HTTP status, as in the response line'),
      code: z.enum(trpcCodes),
      path: z.string().optional().describe('The procedure that answered (`projects.create`)'),
      field: z.string().optional().describe('The input field that failed, as a dotted path'),
      issues: z
        .array(
          z.object({
            path: z.string().describe('The field, as a dotted path; empty for the whole input'),
            message: z.string(),
            code: z.string().describe('The validator’s code for the failure (`too_small`, `invalid_format`, …)'),
          }),
        )
        .optional()
        .describe('Every failed field of a validation error'),
      details: z
        .record(z.string(), z.unknown())
        .optional()
        .describe(
          'Facts some codes carry: RATE_LIMITED {class, limit, retryAfterSeconds}; ALERT_TEST_BUSY {retryAfterSeconds}; ' +
            'LIMIT_REACHED {limit, max, usage, tier}; FEATURE_NOT_IN_TIER {feature, tier}; INVALID_CONFIG {problems}; ' +
            'DEPLOYMENTS_RUNNING {running}; CONNECTION_IN_USE {projects}; INVALID_TRANSITION {from, to}',
        ),
    }),
    issues: z
      .array(z.looseObject({ message: z.string() }))
      .optional()
      .describe('REST validation errors only: the validator’s own issues. Prefer `data.issues`'),
  })
  .meta({ id: 'Error', description: 'Every error the API answers. See docs/error-codes.md for the codes.' });

const ref = (kind: 'headers' | 'parameters', name: string) => ({ $ref: `#/components/${kind}/${name}` });

/** Headers on every answer of an operation that counts against a rate limit (all procedures do). */
export const rateLimitHeaders = {
  'RateLimit-Limit': ref('headers', 'RateLimit-Limit'),
  'RateLimit-Remaining': ref('headers', 'RateLimit-Remaining'),
  'RateLimit-Reset': ref('headers', 'RateLimit-Reset'),
};
export const requestIdHeader = { 'x-request-id': ref('headers', 'x-request-id') };

export const HEADER_COMPONENTS = {
  'RateLimit-Limit': {
    description: 'Requests of this rate-limit class allowed per minute, for this organization (or caller)',
    schema: { type: 'integer' },
  },
  'RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'Seconds until the window resets', schema: { type: 'integer' } },
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } },
  'x-request-id': {
    description: 'Identifies the request in the server’s logs: the caller’s own when it sent a sane one',
    schema: { type: 'string' },
  },
} as const;

export const PARAMETER_COMPONENTS = {
  Organization: {
    name: 'x-strictops-organization',
    in: 'header',
    required: false,
    description:
      'The organization to act on, by id or slug. Without it: the session’s active organization. An API token is bound to its own organization.',
    schema: { type: 'string' },
  },
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: 'Makes a retry safe: a replay with the same key returns the first result (`replayed: true`)',
    schema: { type: 'string', minLength: 1, maxLength: 255 },
  },
  RequestId: {
    name: 'x-request-id',
    in: 'header',
    required: false,
    description: 'Your own request id, echoed back and written to the logs (letters, digits, `.:_-`, at most 128)',
    schema: { type: 'string', pattern: '^[\\w.:-]{1,128}$' },
  },
} as const;

/** Codes that say when to retry, whose answers carry Retry-After. */
const RETRY_AFTER_STATUSES = new Set(
  ['RATE_LIMITED', 'ALERT_TEST_BUSY'].map((code) => httpStatusOf(code as ErrorCode)),
);

/** One response per status the codes are answered with, each naming its codes. */
export function errorResponses(
  codes: readonly ErrorCode[],
  headers: Record<string, unknown>,
): Record<string, ZodOpenApiResponseObject> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = httpStatusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const ordered = [...byStatus.entries()].sort(([a], [b]) => a - b);
  return Object.fromEntries(
    ordered.map(([status, list]) => {
      // In table order, so the description reads the same as docs/error-codes.md.
      const inOrder = codesWithStatus(status).filter((code) => list.includes(code));
      return [
        String(status),
        {
          description: inOrder.map((code) => `\`${code}\``).join(', '),
          headers: RETRY_AFTER_STATUSES.has(status as never)
            ? { ...headers, 'Retry-After': ref('headers', 'Retry-After') }
            : headers,
          content: { 'application/json': { schema: ErrorBody } },
        } as ZodOpenApiResponseObject,
      ];
    }),
  );
}
