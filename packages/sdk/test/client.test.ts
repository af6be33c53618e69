// The client's own behaviour where a fault must be staged, against a stand-in network: the URL and
// headers it sends, how it encodes input and decodes output, how it turns failures into
// StrictOpsError, and how it waits, retries, times out and gives up. What the real API answers is
// covered by end-to-end.test.ts.
import { TRPCClientError } from '@trpc/client';
import { delay, HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import superjson from 'superjson';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createStrictOpsClient, isStrictOpsError, type RetryEvent, SDK_VERSION, StrictOpsError } from '../src/index.ts';

const BASE_URL = 'https://api.strictops.test';

type Sent = { method: string; url: URL; procedures: string[]; headers: Headers; body: string };

/** What the stand-in API answers for one procedure: a result, or a tRPC error shape. */
type Answer = { data: unknown } | { error: { message: string; code: number; data: Record<string, unknown> } };

const sent: Sent[] = [];
const unhandled: string[] = [];

/**
 * The tRPC batch endpoint, answering each procedure of a batch with what `answers` says (a
 * superjson-encoded body, as the real server sends) and recording every request.
 */
function trpcEndpoint(answers: Record<string, Answer | (() => Answer)>) {
  return http.all(`${BASE_URL}/trpc/:procedures`, async ({ request, params }) => {
    const procedures = String(params.procedures).split(',');
    sent.push({
      method: request.method,
      url: new URL(request.url),
      procedures,
      headers: request.headers,
      body: request.method === 'GET' ? '' : await request.text(),
    });
    const statuses: number[] = [];
    const results = procedures.map((procedure) => {
      const answer = answers[procedure];
      if (!answer) throw new Error(`the stand-in API has no answer for ${procedure}`);
      const resolved = typeof answer === 'function' ? answer() : answer;
      if ('data' in resolved) {
        statuses.push(200);
        return { result: { data: superjson.serialize(resolved.data) } };
      }
      statuses.push(Number(resolved.error.data.httpStatus));
      return { error: superjson.serialize(resolved.error) };
    });
    // As tRPC does: the one status all results share, or 207 for a mixed batch; a call sent on its
    // own (no `batch=1`) gets its result unwrapped.
    const status = new Set(statuses).size === 1 ? (statuses[0] ?? 200) : 207;
    const batched = new URL(request.url).searchParams.get('batch') === '1';
    return HttpResponse.json(batched ? results : results[0], { status });
  });
}

const createdAt = new Date('2026-01-02T03:04:05.678Z');
const me = {
  user: { id: '0193d3a0-0000-7000-8000-000000000001', email: 'ada@example.com', name: 'Ada', createdAt },
  memberships: [],
  activeOrganization: null,
};

const server = setupServer(trpcEndpoint({ 'auth.me': { data: me } }));

beforeAll(() => {
  // msw 3's name for it; the old `onUnhandledRequest` would be silently ignored.
  server.listen({ onUnhandledFrame: 'error' });
  server.events.on('request:unhandled', ({ request }) => {
    unhandled.push(`${request.method} ${request.url}`);
  });
});
afterEach(() => {
  server.resetHandlers();
  sent.length = 0;
  // A request nobody answered would fail as a network error and could pass a test by accident.
  expect(unhandled.splice(0)).toEqual([]);
});
afterAll(() => server.close());

/** Runs `call`, which must reject, and returns the rejection. */
async function failure(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('requests', () => {
  it('calls the tRPC endpoint under baseUrl, with superjson input, and revives superjson output', async () => {
    const client = createStrictOpsClient({ baseUrl: `${BASE_URL}/` });
    const result = await client.auth.me.query({});

    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request?.method).toBe('GET');
    // The trailing slash of baseUrl does not double up.
    expect(`${request?.url.origin}${request?.url.pathname}`).toBe(`${BASE_URL}/trpc/auth.me`);
    expect(JSON.parse(request?.url.searchParams.get('input') ?? 'null')).toEqual({ 0: { json: {} } });
    expect(result.user.createdAt).toBeInstanceOf(Date);
    expect(result).toEqual(me);
  });

  it('sends mutations as POST with a superjson body', async () => {
    const expiresAt = new Date('2026-02-01T00:00:00.000Z');
    server.use(
      trpcEndpoint({ 'auth.signUp': { data: { user: me.user, session: { token: 'secret-token', expiresAt } } } }),
    );
    const client = createStrictOpsClient({ baseUrl: BASE_URL });
    const result = await client.auth.signUp.mutate({
      email: 'ada@example.com',
      password: 'correct horse',
      name: 'Ada',
    });

    expect(sent[0]?.method).toBe('POST');
    expect(JSON.parse(sent[0]?.body ?? 'null')).toEqual({
      0: { json: { email: 'ada@example.com', password: 'correct horse', name: 'Ada' } },
    });
    expect(result.session.token).toBe('secret-token');
    expect(result.session.expiresAt).toEqual(expiresAt);
  });

  it('batches concurrent calls into one request', async () => {
    server.use(trpcEndpoint({ 'auth.me': { data: me }, 'organizations.list': { data: { items: [] } } }));
    const client = createStrictOpsClient({ baseUrl: BASE_URL });
    const [first, second] = await Promise.all([client.auth.me.query({}), client.organizations.list.query({})]);

    expect(sent).toHaveLength(1);
    expect(sent[0]?.procedures).toEqual(['auth.me', 'organizations.list']);
    expect(first.user.email).toBe('ada@example.com');
    expect(second.items).toEqual([]);
  });

  it('uses the fetch it is given', async () => {
    const calls: string[] = [];
    const client = createStrictOpsClient({
      baseUrl: BASE_URL,
      fetch: (input, init) => {
        calls.push(String(input instanceof Request ? input.url : input));
        return globalThis.fetch(input, init);
      },
    });
    await client.auth.me.query({});
    expect(calls).toHaveLength(1);
    expect(calls[0]).toContain(`${BASE_URL}/trpc/auth.me`);
  });
});

describe('headers', () => {
  it('sends a static token as a bearer token, the organization header and the extra headers', async () => {
    const client = createStrictOpsClient({
      baseUrl: BASE_URL,
      token: 'static-token',
      organization: 'acme',
      headers: { 'x-request-id': 'req-1', 'user-agent': 'strictops-cli/1.0' },
    });
    await client.auth.me.query({});

    const headers = sent[0]?.headers;
    expect(headers?.get('authorization')).toBe('Bearer static-token');
    expect(headers?.get('x-strictops-organization')).toBe('acme');
    expect(headers?.get('x-request-id')).toBe('req-1');
    expect(headers?.get('user-agent')).toBe('strictops-cli/1.0');
  });

  it('sends the extra headers on mutations too', async () => {
    server.use(trpcEndpoint({ 'organizations.switch': { data: { id: 'x' } } }));
    const client = createStrictOpsClient({
      baseUrl: BASE_URL,
      token: 't',
      organization: 'acme',
      headers: { 'x-trace': 'abc' },
    });
    await client.organizations.switch.mutate({ organization: 'other' });
    expect(sent[0]?.method).toBe('POST');
    expect(sent[0]?.headers.get('authorization')).toBe('Bearer t');
    expect(sent[0]?.headers.get('x-strictops-organization')).toBe('acme');
    expect(sent[0]?.headers.get('x-trace')).toBe('abc');
  });

  it('sends neither an authorization nor an organization header when given none', async () => {
    const client = createStrictOpsClient({ baseUrl: BASE_URL });
    await client.auth.me.query({});
    expect(sent[0]?.headers.has('authorization')).toBe(false);
    expect(sent[0]?.headers.has('x-strictops-organization')).toBe(false);
  });

  it('asks a token function before every request, so a rotated token is used at once', async () => {
    let current = 'first-token';
    let asked = 0;
    const client = createStrictOpsClient({
      baseUrl: BASE_URL,
      token: () => {
        asked++;
        return current;
      },
    });
    await client.auth.me.query({});
    current = 'second-token';
    await client.auth.me.query({});

    expect(asked).toBe(2);
    expect(sent.map((r) => r.headers.get('authorization'))).toEqual(['Bearer first-token', 'Bearer second-token']);
  });

  it('awaits an async token function, and sends no authorization when it gives none', async () => {
    const tokens = ['async-token', undefined];
    const client = createStrictOpsClient({
      baseUrl: BASE_URL,
      token: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return tokens.shift();
      },
    });
    await client.auth.me.query({});
    await client.auth.me.query({});

    expect(sent[0]?.headers.get('authorization')).toBe('Bearer async-token');
    expect(sent[1]?.headers.has('authorization')).toBe(false);
  });
});

describe('errors', () => {
  const validationFailed = {
    message: 'Invalid input: email: Invalid email address; password: Too small',
    code: -32600,
    data: {
      code: 'BAD_REQUEST',
      httpStatus: 400,
      path: 'auth.signUp',
      errorCode: 'VALIDATION_FAILED',
      field: 'email',
      issues: [
        { path: 'email', message: 'Invalid email address', code: 'invalid_format' },
        { path: 'password', message: 'Too small', code: 'too_small' },
      ],
    },
  };

  it('rethrows an API error as a StrictOpsError with its code, status, field and issues', async () => {
    server.use(trpcEndpoint({ 'auth.signUp': { error: validationFailed } }));
    const client = createStrictOpsClient({ baseUrl: BASE_URL });
    const error = await failure(() => client.auth.signUp.mutate({ email: 'nope', password: 'x', name: 'Ada' }));

    expect(error).toBeInstanceOf(StrictOpsError);
    // Still a TRPCClientError, for code written against tRPC.
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(isStrictOpsError(error)).toBe(true);
    if (!isStrictOpsError(error)) return;
    expect(error.name).toBe('StrictOpsError');
    expect(error.message).toBe(validationFailed.message);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.httpStatus).toBe(400);
    expect(error.field).toBe('email');
    expect(error.issues).toEqual(validationFailed.data.issues);
    expect(error.details).toBeUndefined();
    expect(error.data).toMatchObject({ errorCode: 'VALIDATION_FAILED', httpStatus: 400 });
  });

  it('carries details and leaves field and issues empty when the API sends none', async () => {
    server.use(
      trpcEndpoint({
        'organizations.create': {
          error: {
            message: 'Your tier allows 1 organization',
            code: -32009,
            data: {
              code: 'CONFLICT',
              httpStatus: 409,
              path: 'organizations.create',
              errorCode: 'CONFLICT',
              details: { limit: 1, usage: 1 },
            },
          },
        },
      }),
    );
    const client = createStrictOpsClient({ baseUrl: BASE_URL, token: 't' });
    const error = await failure(() => client.organizations.create.mutate({ name: 'Second' }));

    expect(isStrictOpsError(error)).toBe(true);
    if (!isStrictOpsError(error)) return;
    expect(error.code).toBe('CONFLICT');
    expect(error.httpStatus).toBe(409);
    expect(error.field).toBeUndefined();
    expect(error.issues).toEqual([]);
    expect(error.details).toEqual({ limit: 1, usage: 1 });
  });

  it('fails only the call that failed in a batch', async () => {
    server.use(
      trpcEndpoint({
        'auth.me': { data: me },
        'organizations.get': {
          error: {
            message: 'Organization not found',
            code: -32004,
            data: {
              code: 'NOT_FOUND',
              httpStatus: 404,
              path: 'organizations.get',
              errorCode: 'ORGANIZATION_NOT_FOUND',
            },
          },
        },
      }),
    );
    const client = createStrictOpsClient({ baseUrl: BASE_URL, token: 't', organization: 'elsewhere' });
    const [ok, failed] = await Promise.allSettled([client.auth.me.query({}), client.organizations.get.query({})]);

    expect(sent).toHaveLength(1);
    expect(ok).toMatchObject({ status: 'fulfilled', value: { user: { email: 'ada@example.com' } } });
    expect(failed.status).toBe('rejected');
    const error = failed.status === 'rejected' ? failed.reason : undefined;
    expect(error).toBeInstanceOf(StrictOpsError);
    expect(error).toMatchObject({ code: 'ORGANIZATION_NOT_FOUND', httpStatus: 404 });
  });

  it('rethrows a network failure as a StrictOpsError with code NETWORK_ERROR and status 0', async () => {
    let attempts = 0;
    server.use(
      http.all(`${BASE_URL}/trpc/:procedures`, () => {
        attempts++;
        return HttpResponse.error();
      }),
    );
    const client = createStrictOpsClient({ baseUrl: BASE_URL, token: 't', retry: false });
    const error = await failure(() => client.auth.me.query({}));

    expect(attempts).toBe(1);
    expect(error).toBeInstanceOf(StrictOpsError);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', httpStatus: 0, field: undefined, issues: [] });
  });

  it('rethrows an answer that is not the API’s (a proxy’s error page) as NETWORK_ERROR, keeping its status', async () => {
    server.use(
      http.all(`${BASE_URL}/trpc/:procedures`, () =>
        HttpResponse.html('<html><body>502 Bad Gateway</body></html>', {
          status: 502,
          headers: { 'x-request-id': 'lb-1' },
        }),
      ),
    );
    const client = createStrictOpsClient({ baseUrl: BASE_URL, retry: false });
    const error = await failure(() => client.auth.me.query({}));

    expect(error).toBeInstanceOf(StrictOpsError);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', httpStatus: 502, requestId: 'lb-1' });
  });

  it('rethrows a failing token function as a StrictOpsError, without sending anything', async () => {
    const client = createStrictOpsClient({
      baseUrl: BASE_URL,
      token: () => {
        throw new Error('keychain locked');
      },
    });
    const error = await failure(() => client.auth.me.query({}));

    expect(sent).toHaveLength(0);
    expect(error).toBeInstanceOf(StrictOpsError);
    // No API answered, so it is a NETWORK_ERROR, and the reason is kept.
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', httpStatus: 0, message: 'keychain locked' });
  });

  it('isStrictOpsError is false for anything else', () => {
    expect(isStrictOpsError(new Error('x'))).toBe(false);
    expect(isStrictOpsError(new TRPCClientError('x'))).toBe(false);
    expect(isStrictOpsError({ code: 'EMAIL_TAKEN', httpStatus: 409 })).toBe(false);
    expect(isStrictOpsError(undefined)).toBe(false);
  });
});

describe('rate-limited answers', () => {
  const rateLimited = {
    error: {
      message: 'Too many read requests: at most 600 a minute',
      code: -32029,
      data: {
        code: 'TOO_MANY_REQUESTS',
        httpStatus: 429,
        errorCode: 'RATE_LIMITED',
        details: { class: 'read', limit: 600, retryAfterSeconds: 1 },
      },
    },
  };

  /** Answers 429 with Retry-After `times` times, then the real answer. */
  function limitedThenOk(times: number) {
    let remaining = times;
    return http.all(`${BASE_URL}/trpc/:procedures`, () => {
      sent.push({ method: 'GET', url: new URL(BASE_URL), procedures: ['auth.me'], headers: new Headers(), body: '' });
      if (remaining-- > 0) {
        return HttpResponse.json([{ error: superjson.serialize(rateLimited.error) }], {
          status: 429,
          headers: { 'retry-after': '1' },
        });
      }
      return HttpResponse.json([{ result: { data: superjson.serialize(me) } }]);
    });
  }

  it('waits out a 429 for its Retry-After, then succeeds', async () => {
    server.use(limitedThenOk(2));
    const client = createStrictOpsClient({ baseUrl: BASE_URL, retryRateLimited: { maxWaitSeconds: 0.01 } });
    await expect(client.auth.me.query({})).resolves.toMatchObject({ user: { email: 'ada@example.com' } });
    expect(sent).toHaveLength(3);
  });

  it('gives up after its retries and surfaces RATE_LIMITED with the limit', async () => {
    server.use(limitedThenOk(10));
    const client = createStrictOpsClient({
      baseUrl: BASE_URL,
      retryRateLimited: { maxRetries: 1, maxWaitSeconds: 0.01 },
    });
    const error = await failure(() => client.auth.me.query({}));
    expect(isStrictOpsError(error) && error.code).toBe('RATE_LIMITED');
    expect((error as StrictOpsError).httpStatus).toBe(429);
    expect((error as StrictOpsError).retryAfterSeconds).toBe(1);
    expect((error as StrictOpsError).details).toMatchObject({ class: 'read', limit: 600 });
    expect(sent).toHaveLength(2);
  });

  it('can be told not to retry', async () => {
    server.use(limitedThenOk(1));
    const client = createStrictOpsClient({ baseUrl: BASE_URL, retryRateLimited: false });
    expect(((await failure(() => client.auth.me.query({}))) as StrictOpsError).code).toBe('RATE_LIMITED');
    expect(sent).toHaveLength(1);
  });
});

describe('the SDK’s own headers', () => {
  it('says which SDK and version sent the request (user agent and x-strictops-sdk)', async () => {
    const client = createStrictOpsClient({ baseUrl: BASE_URL });
    await client.auth.me.query();
    expect(sent[0]?.headers.get('user-agent')).toMatch(new RegExp(`^strictops-sdk-js/${SDK_VERSION} node/\\d+`));
    expect(sent[0]?.headers.get('x-strictops-sdk')).toBe(`js/${SDK_VERSION}`);
    expect(SDK_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('batching', () => {
  it('splits concurrent calls into batches of at most 20, the API’s cap', async () => {
    server.use(trpcEndpoint({ 'organizations.switch': { data: { id: 'x' } } }));
    const client = createStrictOpsClient({ baseUrl: BASE_URL });
    // Mutations go by POST, so only the count bounds their batches.
    const answers = await Promise.all(
      Array.from({ length: 45 }, (_, i) => client.organizations.switch.mutate({ organization: `org-${i}` })),
    );
    expect(answers).toHaveLength(45);
    // The batches go out together, so they may arrive in any order.
    expect(sent.map((request) => request.procedures.length).sort((a, b) => a - b)).toEqual([5, 20, 20]);
  });

  it('keeps every URL under 2048 characters, splitting batches of long inputs', async () => {
    server.use(trpcEndpoint({ 'projects.get': { data: { id: 'x' } } }));
    const client = createStrictOpsClient({ baseUrl: BASE_URL });
    const ids = Array.from({ length: 20 }, (_, i) => `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`);
    await Promise.all(ids.map((id) => client.projects.get.query({ id })));
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.every((request) => request.method === 'GET' && request.url.href.length <= 2048)).toBe(true);
    expect(sent.flatMap((request) => request.procedures)).toHaveLength(20);
  });

  it('sends a query whose input is too long for a URL on its own, by POST', async () => {
    server.use(
      trpcEndpoint({
        'projects.validateConfig': { data: { valid: true, problems: [], config: {} } },
        'auth.me': { data: me },
      }),
    );
    const client = createStrictOpsClient({ baseUrl: BASE_URL });
    const yaml = `version: 1\n# ${'x'.repeat(60 * 1024)}\n`;
    const [validated] = await Promise.all([
      client.projects.validateConfig.query({ id: '00000000-0000-7000-8000-000000000000', yaml }),
      client.auth.me.query(),
    ]);
    expect(validated.valid).toBe(true);
    const post = sent.find((request) => request.method === 'POST');
    expect(post?.procedures).toEqual(['projects.validateConfig']);
    expect(JSON.parse(post?.body ?? '{}').json.yaml).toBe(yaml);
    expect(sent.find((request) => request.method === 'GET')?.procedures).toEqual(['auth.me']);
  });
});

/** Answers every call with `answer` (a status and, when JSON, a body) a number of times, then `then`. */
function failing(times: number, answer: () => Response, then?: () => Response) {
  let remaining = times;
  return http.all(`${BASE_URL}/trpc/:procedures`, async ({ request, params }) => {
    sent.push({
      method: request.method,
      url: new URL(request.url),
      procedures: String(params.procedures).split(','),
      headers: request.headers,
      body: request.method === 'GET' ? '' : await request.text(),
    });
    if (remaining-- > 0 || !then) return answer();
    return then();
  });
}
const ok = () => HttpResponse.json([{ result: { data: superjson.serialize(me) } }]);
const unavailable = () => HttpResponse.html('<h1>503 Service Unavailable</h1>', { status: 503 });
const apiError =
  (status: number, errorCode: string, extra: Record<string, unknown> = {}) =>
  () =>
    HttpResponse.json(
      [
        {
          error: superjson.serialize({
            message: errorCode,
            code: -32000,
            data: { httpStatus: status, errorCode, ...extra },
          }),
        },
      ],
      { status, headers: { 'x-request-id': 'req-42' } },
    );

describe('retries', () => {
  it('retries a query through 503s with exponential backoff, telling onRetry before each wait', async () => {
    server.use(failing(2, unavailable, ok));
    const events: RetryEvent[] = [];
    // The largest jitter each time, so the waits show the doubling.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    try {
      const client = createStrictOpsClient({
        baseUrl: BASE_URL,
        retry: { baseDelayMs: 10, maxDelayMs: 1_000 },
        onRetry: (event) => events.push(event),
      });
      await expect(client.auth.me.query()).resolves.toMatchObject({ user: { email: 'ada@example.com' } });
    } finally {
      random.mockRestore();
    }
    expect(sent).toHaveLength(3);
    expect(events.map((event) => [event.path, event.attempt, event.reason, event.delayMs])).toEqual([
      ['auth.me', 1, 'transient', 10],
      ['auth.me', 2, 'transient', 20],
    ]);
    expect(events[0]?.error).toMatchObject({ code: 'NETWORK_ERROR', httpStatus: 503 });
  });

  it('waits a random part of the backoff (jitter), never more than the cap', async () => {
    server.use(failing(2, unavailable, ok));
    const delays: number[] = [];
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      const client = createStrictOpsClient({
        baseUrl: BASE_URL,
        retry: { baseDelayMs: 100, maxDelayMs: 150 },
        onRetry: (event) => delays.push(event.delayMs),
      });
      await client.auth.me.query();
    } finally {
      random.mockRestore();
    }
    // Half of 100 ms, then half of 200 ms capped at 150 ms.
    expect(delays).toEqual([50, 75]);
  });

  it('retries a query the API answered 502 (its dependency failed)', async () => {
    server.use(failing(1, apiError(502, 'GITHUB_UNAVAILABLE'), ok));
    const client = createStrictOpsClient({ baseUrl: BASE_URL, retry: { baseDelayMs: 1 } });
    await expect(client.auth.me.query()).resolves.toBeDefined();
    expect(sent).toHaveLength(2);
  });

  it('gives up after maxRetries with the last failure', async () => {
    server.use(failing(10, unavailable));
    const client = createStrictOpsClient({ baseUrl: BASE_URL, retry: { maxRetries: 2, baseDelayMs: 1 } });
    expect(await failure(() => client.auth.me.query())).toMatchObject({ code: 'NETWORK_ERROR', httpStatus: 503 });
    expect(sent).toHaveLength(3);
  });

  it('does not repeat a mutation the API could not recognise as a repeat', async () => {
    server.use(failing(10, () => HttpResponse.error()));
    const client = createStrictOpsClient({ baseUrl: BASE_URL, retry: { baseDelayMs: 1 } });
    const error = await failure(() => client.projects.create.mutate({ name: 'Once' }));
    expect(error).toMatchObject({ code: 'NETWORK_ERROR' });
    expect(sent).toHaveLength(1);
  });

  it('repeats a mutation that carries an idempotency key, with the same key', async () => {
    const created = { deployment: { id: 'd' }, replayed: true };
    server.use(
      failing(
        1,
        () => HttpResponse.error(),
        () => HttpResponse.json([{ result: { data: superjson.serialize(created) } }]),
      ),
    );
    const client = createStrictOpsClient({ baseUrl: BASE_URL, retry: { baseDelayMs: 1 } });
    const input = {
      projectId: '00000000-0000-7000-8000-000000000000',
      environment: 'dev',
      ref: 'main',
      idempotencyKey: 'ci-7',
    };
    await expect(client.deployments.create.mutate(input)).resolves.toMatchObject({ replayed: true });
    expect(sent).toHaveLength(2);
    expect(sent.map((request) => JSON.parse(request.body)[0].json.idempotencyKey)).toEqual(['ci-7', 'ci-7']);
  });

  it('does not retry the caller’s own mistakes', async () => {
    server.use(failing(10, apiError(400, 'VALIDATION_FAILED')));
    const client = createStrictOpsClient({ baseUrl: BASE_URL, retry: { baseDelayMs: 1 } });
    expect(await failure(() => client.auth.me.query())).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(sent).toHaveLength(1);
  });
});

describe('timeouts and aborts', () => {
  const silent = () => http.all(`${BASE_URL}/trpc/:procedures`, () => delay('infinite'));

  it('fails a call with TIMEOUT after timeoutMs', async () => {
    server.use(silent());
    const client = createStrictOpsClient({ baseUrl: BASE_URL, timeoutMs: 50 });
    const started = Date.now();
    expect(await failure(() => client.auth.me.query())).toMatchObject({ code: 'TIMEOUT', httpStatus: 0 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('takes a timeout for one call from its context', async () => {
    server.use(silent());
    const client = createStrictOpsClient({ baseUrl: BASE_URL, timeoutMs: 60_000 });
    expect(await failure(() => client.auth.me.query(undefined, { context: { timeoutMs: 30 } }))).toMatchObject({
      code: 'TIMEOUT',
    });
  });

  it('fails a call with ABORTED when its signal fires, while the request is in flight', async () => {
    server.use(silent());
    const client = createStrictOpsClient({ baseUrl: BASE_URL });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user left the page')), 20);
    const error = await failure(() => client.auth.me.query(undefined, { signal: controller.signal }));
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect((error as StrictOpsError).cause).toMatchObject({ message: 'user left the page' });
  });

  it('stops waiting out a 429 at once when the signal fires', async () => {
    server.use(
      failing(10, apiError(429, 'RATE_LIMITED', { details: { class: 'read', limit: 600, retryAfterSeconds: 30 } })),
    );
    const waits: RetryEvent[] = [];
    const client = createStrictOpsClient({ baseUrl: BASE_URL, onRetry: (event) => waits.push(event) });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    expect(await failure(() => client.auth.me.query(undefined, { signal: controller.signal }))).toMatchObject({
      code: 'ABORTED',
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(waits).toMatchObject([{ reason: 'rate_limited', delayMs: 30_000, error: { code: 'RATE_LIMITED' } }]);
    expect(sent).toHaveLength(1);
  });

  it('surfaces a 429 at once when waiting it out would pass the timeout', async () => {
    server.use(
      failing(10, apiError(429, 'RATE_LIMITED', { details: { class: 'read', limit: 600, retryAfterSeconds: 30 } })),
    );
    const client = createStrictOpsClient({ baseUrl: BASE_URL, timeoutMs: 5_000 });
    const error = await failure(() => client.auth.me.query());
    expect(error).toMatchObject({ code: 'RATE_LIMITED', httpStatus: 429, retryAfterSeconds: 30, requestId: 'req-42' });
    expect(sent).toHaveLength(1);
  });

  it('does not start a call whose signal has already fired', async () => {
    const client = createStrictOpsClient({ baseUrl: BASE_URL });
    const error = await failure(() => client.auth.me.query(undefined, { signal: AbortSignal.abort() }));
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(sent).toHaveLength(0);
  });
});

describe('error fields', () => {
  it('carries the request id and Retry-After of the answer, and details typed by code', async () => {
    server.use(
      failing(1, () =>
        HttpResponse.json(
          [
            {
              error: superjson.serialize({
                message: 'Too many',
                code: -32029,
                data: {
                  httpStatus: 429,
                  errorCode: 'RATE_LIMITED',
                  details: { class: 'write', limit: 120, retryAfterSeconds: 7 },
                },
              }),
            },
          ],
          { status: 429, headers: { 'x-request-id': 'req-7', 'retry-after': '7' } },
        ),
      ),
    );
    const client = createStrictOpsClient({ baseUrl: BASE_URL, retryRateLimited: false });
    const error = await failure(() => client.auth.me.query());
    if (!isStrictOpsError(error) || error.code !== 'RATE_LIMITED') throw new Error('expected RATE_LIMITED');
    // Narrowed by its code: details is { class, limit, retryAfterSeconds }.
    const limitClass: 'read' | 'write' | 'deploy' | 'auth' = error.details?.class ?? 'read';
    expect(limitClass).toBe('write');
    expect(error).toMatchObject({ requestId: 'req-7', retryAfterSeconds: 7, httpStatus: 429 });
  });
});
