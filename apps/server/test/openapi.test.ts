// The OpenAPI document as its readers use it: valid OpenAPI 3.1 (swagger-parser), one shared error
// body under every status an operation can answer, a component per domain object, every procedure
// and server route, and the headers and formats a generated client needs.
import SwaggerParser from '@apidevtools/swagger-parser';
import {
  appRouter,
  callerKindOf,
  ERROR_CODES,
  httpStatusOf,
  type ProcedureMeta,
  procedureErrors,
} from '@strictops/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { violations } from './error-contract.ts';
import { createTestApp } from './test-app.ts';

type Response = {
  description: string;
  headers?: Record<string, { $ref?: string }>;
  content?: Record<string, { schema: { $ref?: string } & Record<string, unknown> }>;
};
type Operation = {
  operationId: string;
  summary?: string;
  description?: string;
  parameters?: { $ref?: string; name?: string; in?: string }[];
  responses: Record<string, Response>;
  security?: unknown[];
};
type Schema = { type?: string; format?: string; properties?: Record<string, Schema>; enum?: string[]; $ref?: string };
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

let t: Awaited<ReturnType<typeof createTestApp>>;
let document: Document;
beforeAll(async () => {
  t = await createTestApp();
  document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(() => t.close());

type RestProcedure = { path: string; meta: ProcedureMeta & { openapi: NonNullable<ProcedureMeta['openapi']> } };
const restProcedures: RestProcedure[] = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { meta?: ProcedureMeta } }>,
).flatMap(([path, procedure]) => {
  const meta = procedure._def.meta;
  return meta?.openapi ? [{ path, meta: meta as RestProcedure['meta'] }] : [];
});
const operationOf = ({ meta }: RestProcedure) =>
  document.paths[meta.openapi.path]?.[meta.openapi.method.toLowerCase()] as Operation;
const allOperations = () =>
  Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ where: `${method.toUpperCase()} ${path}`, operation })),
  );

describe('the document', () => {
  it('is valid OpenAPI 3.1 (swagger-parser)', async () => {
    expect(document.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('has an operation with a summary and a description for every procedure with a REST route', () => {
    expect(restProcedures.length).toBeGreaterThan(40);
    for (const procedure of restProcedures) {
      const operation = operationOf(procedure);
      expect(operation, procedure.path).toBeDefined();
      expect(operation.operationId).toBe(procedure.path.replaceAll('.', '-'));
      expect(operation.summary, procedure.path).toBeTruthy();
      expect(operation.description, procedure.path).toContain(`\`${procedure.path}\``);
    }
  });

  it('documents the routes of the server itself: the audit export, GitHub’s redirect and webhooks, the probes', () => {
    const exportOperation = document.paths['/audit-events/export']?.get;
    expect(Object.keys(exportOperation?.responses['200']?.content ?? {})).toEqual(['application/x-ndjson', 'text/csv']);
    expect(exportOperation?.responses['402']?.description).toContain('FEATURE_NOT_IN_TIER');
    for (const path of ['/integrations/github/setup', '/healthz', '/readyz']) {
      expect(document.paths[path]?.get, path).toBeDefined();
    }
    expect(document.paths['/webhooks/github']?.post).toBeDefined();
    for (const { where, operation } of allOperations()) expect(operation.summary, where).toBeTruthy();
  });
});

describe('errors', () => {
  it('has one Error schema whose errorCode lists every code of the table', () => {
    const data = document.components.schemas.Error?.properties?.data;
    expect(data?.properties?.errorCode?.enum?.sort()).toEqual([...ERROR_CODES].sort());
  });

  it('answers every error status of every operation with the Error schema', () => {
    for (const { where, operation } of allOperations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        // The readiness probe answers 503 with its own body: the database is down, not a request refused.
        if (Number(status) < 400 || where === 'GET /readyz') continue;
        expect(response.content?.['application/json']?.schema, `${where} ${status}`).toEqual({
          $ref: '#/components/schemas/Error',
        });
      }
    }
  });

  it('lists, for each procedure, the status of every code its builder and its meta say it may answer', () => {
    for (const procedure of restProcedures) {
      const responses = operationOf(procedure).responses;
      for (const code of procedureErrors(procedure.path, procedure.meta)) {
        const response = responses[String(httpStatusOf(code))];
        expect(response?.description, `${procedure.path}: ${code}`).toContain(`\`${code}\``);
      }
    }
  });

  it('documents 402, 409, 412, 422, 429 and 502 where procedures answer them, and sign-in’s 401', () => {
    const statuses = new Set(allOperations().flatMap(({ operation }) => Object.keys(operation.responses)));
    for (const status of ['401', '402', '403', '404', '409', '412', '413', '415', '422', '429', '502']) {
      expect(statuses).toContain(status);
    }
    expect(document.paths['/auth/sign-in']?.post?.responses['401']?.description).toContain('INVALID_CREDENTIALS');
  });

  it('sends Retry-After with every 429, and the rate-limit headers with every answer of a procedure', () => {
    for (const procedure of restProcedures) {
      const operation = operationOf(procedure);
      expect(operation.responses['429']?.headers?.['Retry-After'], procedure.path).toEqual({
        $ref: '#/components/headers/Retry-After',
      });
      for (const response of Object.values(operation.responses)) {
        expect(Object.keys(response.headers ?? {})).toEqual(
          expect.arrayContaining(['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'x-request-id']),
        );
      }
    }
  });
});

describe('what a generated client needs', () => {
  it('names every procedure’s answer as a shared component, so a Project is one type', () => {
    for (const procedure of restProcedures) {
      const schema = operationOf(procedure).responses['200']?.content?.['application/json']?.schema;
      expect(schema?.$ref ?? '', `${procedure.path} answers an unnamed schema: add its DTO to DOMAIN_SCHEMAS`).toMatch(
        /^#\/components\/schemas\//,
      );
    }
    expect(document.components.schemas.Project?.properties?.environments).toBeDefined();
  });

  it('gives dates the date-time format, in answers and in inputs', () => {
    expect(document.components.schemas.Project?.properties?.createdAt).toEqual({ type: 'string', format: 'date-time' });
    const from = document.paths['/audit-events']?.get?.parameters?.find((p) => p.name === 'from') as {
      schema?: Schema;
    };
    expect(from.schema).toMatchObject({ type: 'string', format: 'date-time' });
  });

  it('declares the organization header on organization operations, and only there', () => {
    for (const procedure of restProcedures) {
      const refs = (operationOf(procedure).parameters ?? []).map((p) => p.$ref);
      const organizationScoped = callerKindOf(procedure.path, procedure.meta) === 'member';
      expect(refs.includes('#/components/parameters/Organization'), procedure.path).toBe(organizationScoped);
    }
  });

  it('declares Idempotency-Key where a procedure honours it', () => {
    const refs = document.paths['/deployments']?.post?.parameters?.map((p) => p.$ref);
    expect(refs).toContain('#/components/parameters/IdempotencyKey');
    expect(document.paths['/projects']?.post?.parameters?.map((p) => p.$ref)).not.toContain(
      '#/components/parameters/IdempotencyKey',
    );
  });

  it('marks the procedures anyone may call as needing no credential, and the others as needing one', () => {
    for (const procedure of restProcedures) {
      const open = callerKindOf(procedure.path, procedure.meta) === 'anyone';
      expect(operationOf(procedure).security === undefined, procedure.path).toBe(open);
    }
  });
});

describe('the check every suite runs on the error bodies it saw', () => {
  it('records real answers, and they match the document', async () => {
    const before = t.errors.seen.length;
    await t.app.inject({
      method: 'POST',
      url: '/auth/sign-in',
      payload: { email: 'nobody@example.com', password: 'x' },
    });
    await t.app.inject({ method: 'GET', url: '/projects?limit=fifty', headers: { authorization: 'Bearer nope' } });
    await t.app.inject({ method: 'GET', url: '/trpc/auth.me' });
    await t.app.inject({ method: 'GET', url: '/no/such/route' });
    expect(t.errors.seen.length - before).toBe(4);
    expect(await t.errors.check()).toEqual([]);
  });

  it('fails a status the operation does not list, and a body that is not the Error schema', () => {
    const answer = (status: number, body: unknown) => ({
      method: 'POST',
      url: '/projects',
      status,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify(body),
    });
    const problems = violations(document as never, [
      answer(418, { message: 'teapot' }),
      answer(409, {
        message: 'taken',
        code: 'CONFLICT',
        data: { errorCode: 'NOT_A_CODE', httpStatus: 409, code: 'CONFLICT' },
      }),
      answer(409, {
        message: 'taken',
        code: 'CONFLICT',
        data: { errorCode: 'SLUG_TAKEN', httpStatus: 409, code: 'CONFLICT' },
      }),
    ]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('lists no 418');
    expect(problems[1]).toContain('errorCode');
  });
});
