import { appRouter, type ErrorCode, type ProcedureMeta, procedureErrors } from '@strictops/api';
import { z } from 'zod';
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject } from 'zod-openapi';
import { errorResponses, rateLimitHeaders, requestIdHeader } from './error-responses.ts';

/** What a route answers when it hands over to a procedure: everything that procedure may answer. */
function errorsOf(procedure: string, extra: ErrorCode[] = []): ErrorCode[] {
  const meta = (appRouter._def.procedures as unknown as Record<string, { _def: { meta?: ProcedureMeta } }>)[procedure]
    ?._def.meta;
  return [...procedureErrors(procedure, meta), 'CREDENTIALS_IN_URL', ...extra];
}

const headers = { ...rateLimitHeaders, ...requestIdHeader };

const auditExport: ZodOpenApiOperationObject = {
  operationId: 'auditEvents-export',
  summary: 'Download the audit log as NDJSON or CSV',
  description:
    'Streams every audit event of the time range, oldest first, a thousand at a time: one JSON object per line ' +
    '(`AuditEvent`) or CSV with a header row. Needs the `audit.read` permission (`strictops_admin`; an API token ' +
    'also needs the `admin` scope) and a tier with audit export (PROFESSIONAL or ENTERPRISE).\n\n' +
    'Over tRPC and in the SDK: `auditEvents.export` (a query answering text chunks).',
  tags: ['audit'],
  security: [{ bearerAuth: [] }, { sessionCookie: [] }],
  parameters: [{ $ref: '#/components/parameters/Organization' }, { $ref: '#/components/parameters/RequestId' }],
  requestParams: {
    query: z.object({
      format: z.enum(['ndjson', 'csv']).default('ndjson').optional(),
      from: z.date().optional().describe('Inclusive lower bound of occurredAt'),
      to: z.date().optional().describe('Exclusive upper bound of occurredAt'),
    }),
  },
  responses: {
    '200': {
      description: 'The events, as a download (`content-disposition: attachment`)',
      headers,
      content: {
        'application/x-ndjson': { schema: { type: 'string', description: 'One `AuditEvent` JSON object per line' } },
        'text/csv': { schema: { type: 'string' } },
      },
    },
    ...errorResponses(errorsOf('auditEvents.export'), headers),
  },
};

const githubSetup: ZodOpenApiOperationObject = {
  operationId: 'githubInstallations-setupRedirect',
  summary: 'Where GitHub sends the browser after an install (the App’s Callback URL)',
  description:
    'Completes an install as the signed-in administrator who began it (`githubInstallations.completeInstall`), in ' +
    'the organization its signed state names. With `STRICTOPS_APP_URL` set, answers with a redirect to ' +
    '`<app>/settings/integrations?github_status=…`; otherwise with JSON. A request for an owner’s approval ' +
    '(`setup_action=request`) answers 202, a change made on GitHub (`setup_action=update` without state) 200.',
  tags: ['github installations'],
  security: [{ sessionCookie: [] }, { bearerAuth: [] }],
  requestParams: {
    query: z.object({
      installation_id: z.string().optional(),
      setup_action: z.enum(['install', 'update', 'request']).optional(),
      state: z.string().optional(),
      code: z.string().optional().describe('The OAuth code of the installer'),
      error: z.string().optional().describe('Set by GitHub when the installer declined to authorize'),
    }),
  },
  responses: {
    '200': {
      description: 'Linked (`connected`) or a change on GitHub (`updated`)',
      headers: requestIdHeader,
      content: {
        'application/json': {
          schema: z.object({
            status: z.enum(['connected', 'updated']),
            installation: z.string().optional(),
            account: z.string().optional(),
          }),
        },
      },
    },
    '202': {
      description: 'The installer asked their GitHub organization’s owner to approve: nothing is linked yet',
      headers: requestIdHeader,
      content: { 'application/json': { schema: z.object({ status: z.literal('requested') }) } },
    },
    '303': {
      description: 'With STRICTOPS_APP_URL: on to the web app, the outcome in `github_*` query parameters',
      headers: { Location: { schema: { type: 'string' } } },
    },
    ...errorResponses(errorsOf('githubInstallations.completeInstall', ['GITHUB_AUTHORIZATION_DENIED']), headers),
  },
};

const githubWebhook: ZodOpenApiOperationObject = {
  operationId: 'githubWebhook',
  summary: 'GitHub App webhook deliveries',
  description:
    'Verified over the exact bytes with `X-Hub-Signature-256` (the App’s webhook secret); each delivery is ' +
    'processed once (`X-GitHub-Delivery`). Bodies up to 25 MB.',
  tags: ['github installations'],

  requestParams: {
    header: z.object({
      'x-hub-signature-256': z.string(),
      'x-github-delivery': z.string(),
      'x-github-event': z.string(),
    }),
  },
  requestBody: {
    required: true,
    content: { 'application/json': { schema: { type: 'object', description: 'GitHub’s event payload' } } },
  },
  responses: {
    '200': {
      description: 'Processed, a duplicate of a delivery processed before, or an event of no interest',
      headers: requestIdHeader,
      content: {
        'application/json': { schema: z.object({ outcome: z.enum(['processed', 'duplicate', 'ignored']) }) },
      },
    },
    ...errorResponses(
      [
        'VALIDATION_FAILED',
        'CREDENTIALS_IN_URL',
        'WEBHOOK_SIGNATURE_INVALID',
        'GITHUB_NOT_CONFIGURED',
        'PAYLOAD_TOO_LARGE',
        'UNSUPPORTED_MEDIA_TYPE',
        'CONFLICT',
        'INTERNAL',
      ],
      requestIdHeader,
    ),
  },
};

const probe = (summary: string, description: string, body: z.ZodType): ZodOpenApiOperationObject => ({
  operationId: summary,
  summary: description,
  tags: ['health'],

  responses: {
    '200': { description: 'Healthy', headers: requestIdHeader, content: { 'application/json': { schema: body } } },
  },
});

const readiness = z.object({ status: z.enum(['ready', 'unavailable']), database: z.boolean() });

/** The routes of the server itself, outside the procedures' REST adapter. */
export const serverRoutePaths: ZodOpenApiPathsObject = {
  '/audit-events/export': { get: auditExport },
  '/integrations/github/setup': { get: githubSetup },
  '/webhooks/github': { post: githubWebhook },
  '/healthz': { get: probe('healthz', 'The process answers', z.object({ status: z.literal('ok') })) },
  '/readyz': {
    get: {
      ...probe('readyz', 'The process and its database answer', readiness),
      responses: {
        '200': {
          description: 'Ready',
          headers: requestIdHeader,
          content: { 'application/json': { schema: readiness } },
        },
        '503': {
          description: 'The database does not answer',
          headers: requestIdHeader,
          content: { 'application/json': { schema: readiness } },
        },
      },
    },
  },
};
