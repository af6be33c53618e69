// Guards "nothing a caller sends reaches a 500, and REST and tRPC answer alike": for every
// procedure of the router, inputs generated from its own zod schema (edges included) are sent over
// REST and over tRPC to the real server, which must answer neither with a 5xx nor differently.
import { fc, test } from '@fast-check/vitest';
import { appRouter } from '@strictops/api';
import { Organization } from '@strictops/db';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createTestApp, signUp } from './test-app.ts';
import { arbitraryFor, edgesFor, fieldsOf, type Transport } from './zod-arbitraries.ts';

/** Runs per procedure: bounded, so the whole walk stays within a minute or two on a small machine. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 12);
const SEED = process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : undefined;

const SECRETS = {
  'deploy-worker': 'property-deploy-worker-secret-0123456789',
  billing: 'property-billing-secret-0123456789abcdef',
  monitoring: 'property-monitoring-secret-0123456789abc',
};
const PASSWORD = 'correct horse battery';

type Procedure = {
  path: string;
  type: 'query' | 'mutation';
  rest?: { method: string; path: string };
  input: Parameters<typeof arbitraryFor>[0];
};
const procedures: Procedure[] = Object.entries(
  appRouter._def.procedures as unknown as Record<
    string,
    { _def: { type: string; inputs: unknown[]; meta?: { openapi?: { method: string; path: string } } } }
  >,
)
  .filter(([, p]) => p._def.type !== 'subscription')
  .map(([path, p]) => ({
    path,
    type: p._def.type as Procedure['type'],
    rest: p._def.meta?.openapi,
    input: p._def.inputs[0] as Procedure['input'],
  }));

/** Every schema reachable from the procedures' inputs, with the flags an adapter could flip. */
function schemaFlags(): string[] {
  const seen = new Set<object>();
  const flags: string[] = [];
  const walk = (schema: unknown, at: string) => {
    const def = (schema as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
    if (!def || seen.has(def)) return;
    seen.add(def);
    flags.push(`${at}: ${def.type}${def.coerce ? ' coerce' : ''}`);
    for (const [key, value] of Object.entries(def)) {
      if (key === 'shape') for (const [field, child] of Object.entries(value as object)) walk(child, `${at}.${field}`);
      else if (Array.isArray(value)) {
        for (const [i, child] of value.entries()) walk(child, `${at}.${key}[${i}]`);
      } else walk(value, `${at}.${key}`);
    }
  };
  for (const procedure of procedures) walk(procedure.input, procedure.path);
  return flags;
}
const flagsBefore = schemaFlags();

// Calls that would end the session every other call uses: each run gets a session of its own.
const ENDS_THE_SESSION = new Set(['auth.signOut', 'auth.signOutEverywhere']);
// Its stream is served by a route of its own (GET /audit-events/export): over tRPC it needs a streaming link.
const STREAMS = new Set(['auditEvents.export']);

let t: Awaited<ReturnType<typeof createTestApp>>;
let fuzzer: { email: string; token: string };
/** Someone else, whose sessions the calls that end sessions may end. */
let ender: { email: string };
let organizationId: string;
let ids: string[];
/** A real object for each area's path parameter, so that one-field edge cases reach past "not found". */
let idOf: Record<string, string>;

// Alert channels' test sends and deliveries must not leave this machine: every outbound request is answered here.
const outside = setupServer(http.all('*', () => HttpResponse.json({ ok: true })));

beforeAll(async () => {
  outside.listen({ onUnhandledFrame: 'error' });
  t = await createTestApp({
    STRICTOPS_SERVICE_TOKENS: Object.entries(SECRETS)
      .map(([name, secret]) => `${name}:${secret}`)
      .join(','),
  });
  ender = await signUp(t.app, 'property-ender');
  const user = await signUp(t.app, 'property');
  fuzzer = { email: user.email, token: user.token };
  const auth = { authorization: `Bearer ${user.token}` };
  const me = await t.app.inject({ method: 'GET', url: '/auth/me', headers: auth });
  organizationId = me.json().activeOrganization.id;
  await t.orm.em.fork().nativeUpdate(Organization, { id: organizationId }, { tier: 'ENTERPRISE' });
  const post = async (url: string, payload: object) =>
    (await t.app.inject({ method: 'POST', url, headers: auth, payload })).json();
  const project = await post('/projects', { name: 'Fuzzed' });
  const channel = await post('/alert-channels', { name: 'Ops', type: 'email', target: 'ops@example.com' });
  const token = await post('/api-tokens', { name: 'ci', scopes: ['read'] });
  const deployment = await post('/deployments', { projectId: project.id, environment: 'dev', ref: 'main' });
  const invitation = await post('/invitations', { email: 'invitee@example.com', role: 'customer' });
  idOf = {
    projects: project.id,
    environments: project.environments[0].id,
    alertChannels: channel.channel.id,
    apiTokens: token.apiToken.id,
    deployments: deployment.deployment.id,
    invitations: invitation.id ?? invitation.invitation?.id,
  };
  ids = [
    organizationId,
    project.id,
    ...project.environments.map((e: { id: string }) => e.id),
    channel.channel.id,
    token.apiToken.id,
    deployment.deployment.id,
    invitation.id ?? invitation.invitation?.id,
  ].filter((id): id is string => typeof id === 'string');
}, 60_000);
afterAll(async () => {
  outside.close();
  await t.close();
});

type Answer = { status: number; errorCode?: string; field?: string; body?: unknown };

/** A query string of the input's values, as a browser or curl would send them. */
function queryString(input: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(input)) {
    params.append(key, value instanceof Date ? value.toISOString() : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function overRest(procedure: Procedure, input: unknown, headers: Record<string, string>): Promise<Answer> {
  const rest = procedure.rest as { method: string; path: string };
  let url = rest.path;
  const rest_input = { ...(input as Record<string, unknown>) };
  for (const [, name] of rest.path.matchAll(/\{(\w+)\}/g)) {
    url = url.replace(`{${name}}`, encodeURIComponent(String(rest_input[name as string])));
    delete rest_input[name as string];
  }
  const inQuery = rest.method === 'GET' || rest.method === 'DELETE';
  const response = await t.app.inject({
    method: rest.method as 'GET',
    url: inQuery ? `${url}${queryString(rest_input)}` : url,
    headers: { ...headers, ...(inQuery ? {} : { 'content-type': 'application/json' }) },
    ...(inQuery ? {} : { payload: JSON.stringify(rest_input) }),
  });
  const body = safeJson(response.body) as { data?: { errorCode?: string; field?: string } } | undefined;
  return { status: response.statusCode, errorCode: body?.data?.errorCode, field: body?.data?.field, body };
}

async function overTrpc(procedure: Procedure, input: unknown, headers: Record<string, string>): Promise<Answer> {
  const serialized = JSON.stringify(superjson.serialize(input));
  const response =
    procedure.type === 'query'
      ? await t.app.inject({
          method: 'GET',
          url: `/trpc/${procedure.path}?input=${encodeURIComponent(serialized)}`,
          headers,
        })
      : await t.app.inject({
          method: 'POST',
          url: `/trpc/${procedure.path}`,
          headers: { ...headers, 'content-type': 'application/json' },
          payload: serialized,
        });
  const body = safeJson(response.body) as
    | {
        result?: { data?: Parameters<typeof superjson.deserialize>[0] };
        error?: { json?: { data?: { errorCode?: string; field?: string } } };
      }
    | undefined;
  const error = body?.error?.json?.data;
  const data = body?.result?.data ? superjson.deserialize(body.result.data) : undefined;
  return { status: response.statusCode, errorCode: error?.errorCode, field: error?.field, body: plain(data) };
}

const safeJson = (text: string) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};
/** What a value looks like in JSON: a Date as its ISO text, as REST sends it. */
const plain = (value: unknown) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/** Stands for the id of a real object of the procedure's area, known once the fixture exists. */
const KNOWN_ID = '<known id>';
function withKnownIds(procedure: Procedure, input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const known = idOf[procedure.path.split('.')[0] as string] ?? ids[0];
  return Object.fromEntries(Object.entries(input).map(([key, value]) => [key, value === KNOWN_ID ? known : value]));
}

/** Only what both transports can carry the same way: in a URL, text and scalars, no empty values. */
function expressible(procedure: Procedure, input: unknown): unknown {
  const inUrl = procedure.rest ? ['GET', 'DELETE'].includes(procedure.rest.method) : false;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const entries = Object.entries(input).filter(([key, value]) => {
    if (procedure.rest?.path.includes(`{${key}}`)) return true;
    if (!inUrl) return true;
    return value !== '' && (typeof value !== 'object' || value instanceof Date);
  });
  const result = Object.fromEntries(entries);
  // Path parameters are text in a URL: they are sent as text over both transports. An empty one,
  // or a dot segment ("." or "..", which every URL parser folds away, escaped or not), cannot be
  // sent as a path parameter by any client.
  for (const [, name] of procedure.rest?.path.matchAll(/\{(\w+)\}/g) ?? []) {
    const value = String(result[name as string] ?? 'missing');
    const unsendable = ['', '.', '..'].includes(value) || /[\ud800-\udfff]/.test(value);
    result[name as string] = unsendable ? 'missing' : value;
  }
  return result;
}

async function headersFor(procedure: Procedure): Promise<Record<string, string>> {
  if (procedure.path.startsWith('internal.')) {
    const service =
      procedure.path.split('.')[1] === 'organizations'
        ? 'billing'
        : procedure.path.split('.')[1] === 'alerts'
          ? 'monitoring'
          : 'deploy-worker';
    return { authorization: `Bearer ${SECRETS[service]}` };
  }
  if (ENDS_THE_SESSION.has(procedure.path)) {
    const session = await t.app.inject({
      method: 'POST',
      url: '/auth/sign-in',
      payload: { email: ender.email, password: PASSWORD },
    });
    return { authorization: `Bearer ${session.json().session.token}` };
  }
  return { authorization: `Bearer ${fuzzer.token}`, 'x-strictops-organization': organizationId };
}

const verdict = (answer: Answer) =>
  answer.errorCode === 'VALIDATION_FAILED' ? `VALIDATION_FAILED ${answer.field ?? ''}` : 'not a validation failure';

describe('every procedure, over REST and tRPC', () => {
  test('covers every procedure of the router', () => {
    expect(procedures.length).toBeGreaterThan(50);
  });

  for (const procedure of procedures) {
    const inUrl = procedure.type === 'query' || ['GET', 'DELETE'].includes(procedure.rest?.method ?? '');
    const transport: Transport = {
      inUrl,
      get ids() {
        return ids;
      },
    };
    const arbitrary = fc.constant(null).chain(() => arbitraryFor(procedure.input, transport));
    // Besides random inputs, every edge of every field on its own (the rest left out, path
    // parameters naming a real object), so that the edges are tried on every run.
    const fields = fieldsOf(procedure.input);
    const examples = Object.entries(fields).flatMap(([name, field]) =>
      edgesFor(field, transport).map((edge) => {
        const params = [...(procedure.rest?.path.matchAll(/\{(\w+)\}/g) ?? [])].map(([, param]) => [param, KNOWN_ID]);
        return [{ ...Object.fromEntries(params), [name]: edge }] as [unknown];
      }),
    );

    test.prop([arbitrary], { numRuns: RUNS, seed: SEED, endOnFailure: true, examples })(
      `${procedure.path}: no 5xx${procedure.rest && !STREAMS.has(procedure.path) ? ', and the same answer over both' : ''}`,
      async (generated) => {
        const input = expressible(procedure, withKnownIds(procedure, generated));
        const trpc = STREAMS.has(procedure.path)
          ? undefined
          : await overTrpc(procedure, input, await headersFor(procedure));
        const rest = procedure.rest ? await overRest(procedure, input, await headersFor(procedure)) : undefined;
        const context = JSON.stringify({ input: superjson.serialize(input), rest, trpc }).slice(0, 2000);
        if (trpc) expect(trpc.status, context).toBeLessThan(500);
        if (rest) expect(rest.status, context).toBeLessThan(500);
        if (!trpc || !rest) return;
        // Input is refused the same way over both, whatever state the first call left behind.
        expect(verdict(rest), context).toBe(verdict(trpc));
        if (procedure.type === 'query') {
          // A query changes nothing: both answer exactly alike.
          expect([rest.status, rest.errorCode, rest.field], context).toEqual([trpc.status, trpc.errorCode, trpc.field]);
          if (rest.status === 200) expect(rest.body, context).toEqual(trpc.body);
        }
      },
      // Every edge of every field plus the random runs: a few seconds, more on a busy machine.
      120_000,
    );
  }

  // After every route was called: no adapter marked a procedure's own schema (as coercing, say),
  // which would change how both transports validate from then on.
  test('left every procedure’s input schema as it was', () => {
    expect(schemaFlags()).toEqual(flagsBefore);
  });
});
