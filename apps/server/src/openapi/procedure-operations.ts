import {
  AUTH_PER_MINUTE,
  appRouter,
  callerKindOf,
  type ErrorCode,
  PER_MINUTE,
  PERMISSION_SCOPE,
  POLICY,
  type ProcedureMeta,
  procedureErrors,
  rateClassOf,
} from '@strictops/api';
import type { AnyProcedure } from '@trpc/server';
import { z } from 'zod';
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject } from 'zod-openapi';
import { errorResponses, rateLimitHeaders, requestIdHeader } from './error-responses.ts';

type OpenApiMeta = NonNullable<ProcedureMeta['openapi']>;
type RestProcedure = {
  path: string;
  type: string;
  meta: ProcedureMeta & { openapi: OpenApiMeta };
  procedure: AnyProcedure;
};

/** Every procedure with a REST route, as the REST adapter serves them. */
export function restProcedures(): RestProcedure[] {
  return Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>).flatMap(
    ([path, procedure]) => {
      const meta = procedure._def.meta as ProcedureMeta | undefined;
      return meta?.openapi ? [{ path, type: procedure._def.type, meta: meta as RestProcedure['meta'], procedure }] : [];
    },
  );
}

/** The object schema inside an input (inputs without fields are optional, so wrapped). */
function inputObject(procedure: AnyProcedure): z.ZodObject {
  let schema = (procedure._def.inputs as z.ZodType[])[0] ?? z.strictObject({});
  while (!(schema instanceof z.ZodObject)) {
    const def = schema._zod.def as { innerType?: z.ZodType };
    if (!def.innerType) throw new Error(`Input of a REST procedure must be an object, found ${schema._zod.def.type}`);
    schema = def.innerType;
  }
  return schema;
}

const withBody = (method: string) => method !== 'GET' && method !== 'DELETE';

/** The same fields, in a new object of the same strictness (a refined object cannot omit). */
function pick(object: z.ZodObject, keys: string[]): z.ZodObject {
  const shape = Object.fromEntries(Object.entries(object.shape).filter(([key]) => keys.includes(key)));
  return object._zod.def.catchall ? z.strictObject(shape) : z.object(shape);
}

/** Who may call it and how it is limited, in words, from the policy and the rate-limit table. */
function describeAccess({ path, type, meta }: RestProcedure): string {
  const kind = callerKindOf(path, meta);
  const lines: string[] = [];
  if (kind === 'anyone') {
    lines.push(
      `Anyone may call it. Limited to ${AUTH_PER_MINUTE.email} a minute per email and ${AUTH_PER_MINUTE.ip} per client IP.`,
    );
  } else {
    const rateClass = rateClassOf(type, meta) ?? 'read';
    const perMinute = rateClass === 'auth' ? AUTH_PER_MINUTE.ip : PER_MINUTE[rateClass];
    if (kind === 'account') {
      lines.push('Needs a signed-in session (API tokens are refused): it acts on your own account.');
      lines.push(`Rate limit: \`${rateClass}\`, ${perMinute} a minute per user.`);
    } else if (meta.permission) {
      const roles = POLICY[meta.permission].map((role) => `\`${role}\``).join(' or ');
      lines.push(
        `Needs a session or an API token, acting in an organization (the \`x-strictops-organization\` header, ` +
          `else the session’s active one) as ${roles} (permission \`${meta.permission}\`); an API token also needs ` +
          `the \`${PERMISSION_SCOPE[meta.permission]}\` scope.`,
      );
      lines.push(
        `Rate limit: \`${rateClass}\`, ${perMinute} a minute per organization at FREE, times the tier’s multiplier.`,
      );
    }
  }
  if (meta.openapi.description) lines.unshift(meta.openapi.description);
  lines.push(`Over tRPC and in the SDK: \`${path}\` (a ${type}).`);
  return lines.join('\n\n');
}

/** Codes the HTTP layer adds to a route's own: a credential in the URL, and for changes the body and cookie rules. */
function transportErrors({ path, meta }: RestProcedure): ErrorCode[] {
  const codes: ErrorCode[] = ['CREDENTIALS_IN_URL'];
  if (withBody(meta.openapi.method)) codes.push('PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE');
  if (meta.openapi.method !== 'GET' && callerKindOf(path, meta) !== 'anyone') codes.push('CROSS_SITE_REQUEST');
  return codes;
}

function operationOf(entry: RestProcedure): ZodOpenApiOperationObject {
  const { path, meta, procedure } = entry;
  const { method } = meta.openapi;
  const input = inputObject(procedure);
  const keys = Object.keys(input.shape);
  const pathKeys = [...meta.openapi.path.matchAll(/\{(\w+)\}/g)].map(([, key]) => key as string);
  const otherKeys = keys.filter((key) => !pathKeys.includes(key));
  const kind = callerKindOf(path, meta);
  const headers = { ...rateLimitHeaders, ...requestIdHeader };
  const parameters = [
    ...(kind === 'member' ? [{ $ref: '#/components/parameters/Organization' }] : []),
    ...(keys.includes('idempotencyKey') ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []),
    { $ref: '#/components/parameters/RequestId' },
  ];
  return {
    operationId: path.replaceAll('.', '-'),
    summary: meta.openapi.summary,
    description: describeAccess(entry),
    tags: meta.openapi.tags,
    ...(kind === 'anyone' ? {} : { security: [{ bearerAuth: [] }, { sessionCookie: [] }] }),
    parameters,
    requestParams: {
      ...(pathKeys.length > 0 ? { path: pick(input, pathKeys) } : {}),
      ...(!withBody(method) && otherKeys.length > 0 ? { query: pick(input, otherKeys) } : {}),
    },
    ...(withBody(method) && otherKeys.length > 0
      ? { requestBody: { required: true, content: { 'application/json': { schema: pick(input, otherKeys) } } } }
      : {}),
    responses: {
      '200': {
        description: meta.openapi.successDescription ?? 'Done',
        headers,
        content: { 'application/json': { schema: (procedure._def as { output?: z.ZodType }).output } },
      },
      ...errorResponses([...procedureErrors(path, meta), ...transportErrors(entry)], headers),
    },
  };
}

/** The REST paths of every procedure with OpenAPI meta: nothing here names a procedure. */
export function procedurePaths(): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const entry of restProcedures()) {
    const { method, path } = entry.meta.openapi;
    const key = method.toLowerCase() as 'get';
    paths[path] = { ...paths[path], [key]: operationOf(entry) };
  }
  return paths;
}
