import { createHmac, randomBytes } from 'node:crypto';
import { Alert, AlertDelivery, AuditEvent, Deployment, Organization } from '@strictops/db';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { transition } from '../deployments/deployments.service.ts';
import { ENTITLEMENTS } from '../entitlements/entitlements.ts';
import { createTestApi, expectError, type TestApi, unique } from '../testing/harness.ts';
import { SUMMARY_ITEMS_LISTED } from './alert-messages.ts';
import { UNREADABLE_SECRET } from './channel-targets.ts';
import { createAlertDispatcher, LEASE_SECONDS, MAX_ATTEMPTS, RETRY_DELAYS_SECONDS } from './dispatcher.ts';
import { PAGERDUTY_EVENTS_URL } from './notifications.ts';
import { createSecretBox } from './secret-box.ts';
import { TEST_SENDS_AT_ONCE } from './test-sends.ts';

const SLACK_URL = 'https://hooks.slack.com/services/T0001/B0001/slacksecretpart0001';
const WEBHOOK_URL = 'https://hooks.example.com/strictops';
const ROUTING_KEY = 'R0uT1nGkEy0123456789abcdefABCDEF';

type Received = { url: string; headers: Headers; body: string };
let received: Received[] = [];
/** What the stand-in endpoints answer next, per URL (default 200). */
let answers: Map<string, number[]> = new Map();

const answer =
  (url: string) =>
  async ({ request }: { request: Request }) => {
    received.push({ url, headers: request.headers, body: await request.text() });
    const status = answers.get(url)?.shift() ?? 200;
    if (status >= 300 && status < 400) {
      return new HttpResponse(null, { status, headers: { location: 'https://internal.example.com/redirected' } });
    }
    // A body the remote sends must never reach our callers, logs or database.
    return HttpResponse.text(status >= 400 ? 'remote says: internal detail 0xDEADBEEF' : 'ok', { status });
  };

const endpoints = setupServer(
  http.post(SLACK_URL, answer(SLACK_URL)),
  http.post(WEBHOOK_URL, answer(WEBHOOK_URL)),
  http.post(PAGERDUTY_EVENTS_URL, answer(PAGERDUTY_EVENTS_URL)),
  http.post('https://internal.example.com/redirected', answer('redirected')),
);

let api: TestApi;
beforeAll(async () => {
  endpoints.listen({ onUnhandledFrame: 'error' });
  api = await createTestApi();
});
afterAll(async () => {
  endpoints.close();
  await api.close();
});
beforeEach(() => {
  received = [];
  answers = new Map();
});
afterEach(() => endpoints.resetHandlers());

async function adminOrganization(label: string) {
  const admin = await api.signUp(label);
  await api.orm.em.fork().nativeUpdate(Organization, { id: admin.organization.id }, { tier: 'ENTERPRISE' });
  return { admin, call: api.call({ token: admin.token, organization: admin.organization.id }) };
}

/** Lets `seconds` pass for the organization's pending deliveries: they become due that much sooner. */
const elapse = (organizationId: string, seconds: number) =>
  api.inOrganization(organizationId, (em) =>
    em.execute(
      `update alert_delivery set next_attempt_at = next_attempt_at - make_interval(secs => ?) where status = 'pending'`,
      [seconds],
    ),
  );

/** A deployment of a new project, reported failed by a deploy worker through the internal API. */
async function failDeployment(admin: { organization: { id: string } }, call: ReturnType<TestApi['call']>) {
  const project = await call.projects.create({ name: unique('alerting') });
  const { deployment } = await call.deployments.create({
    projectId: project.id,
    environment: 'production',
    ref: 'v1.2.3',
  });
  // Skip the worker's claim (which takes the oldest queued deployment of any test): start it here.
  await api.inOrganization(admin.organization.id, (em) =>
    em.nativeUpdate(Deployment, { id: deployment.id }, { status: 'in_progress', startedAt: new Date() }),
  );
  await api.call({ token: api.serviceToken }).internal.deployments.report({
    organizationId: admin.organization.id,
    deploymentId: deployment.id,
    status: 'failed',
    message: 'health check timed out',
  });
  return { project, deployment };
}

const deliveriesOf = (organizationId: string) =>
  api.inOrganization(organizationId, (em) => em.find(AlertDelivery, {}, { orderBy: { id: 'asc' } }));

describe('alert channels', () => {
  it('creates each type, shows a webhook secret once, masks Slack URLs and routing keys', async () => {
    const { call } = await adminOrganization('channels');
    const email = await call.alertChannels.create({
      name: 'On-call email',
      type: 'email',
      target: 'Oncall@Example.com',
    });
    expect(email).toMatchObject({
      channel: { type: 'email', target: 'oncall@example.com', enabled: true },
      signingSecret: null,
    });
    const slack = await call.alertChannels.create({ name: 'Slack', type: 'slack', target: SLACK_URL });
    expect(slack.channel.target).toBe('https://hooks.slack.com/services/…0001');
    const webhook = await call.alertChannels.create({ name: 'Webhook', type: 'webhook', target: WEBHOOK_URL });
    expect(webhook.channel.target).toBe(WEBHOOK_URL);
    expect(webhook.signingSecret).toMatch(/^whsec_[\w-]{43}$/);
    const pagerduty = await call.alertChannels.create({ name: 'PagerDuty', type: 'pagerduty', target: ROUTING_KEY });
    expect(pagerduty.channel.target).toBe('routing key …CDEF');

    const listed = JSON.stringify(await call.alertChannels.list({}));
    const updated = await call.alertChannels.update({
      id: slack.channel.id,
      target: `${SLACK_URL}9`,
      name: 'Slack #ops',
    });
    expect(updated).toMatchObject({ name: 'Slack #ops', target: 'https://hooks.slack.com/services/…0019' });
    const everything = listed + JSON.stringify(updated);
    for (const secret of [webhook.signingSecret as string, 'slacksecretpart', ROUTING_KEY]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('stores secrets sealed: the database holds no Slack URL, routing key or signing secret', async () => {
    const { admin, call } = await adminOrganization('sealed');
    const slack = await call.alertChannels.create({ name: 'Slack', type: 'slack', target: SLACK_URL });
    const pd = await call.alertChannels.create({ name: 'PD', type: 'pagerduty', target: ROUTING_KEY });
    const hook = await call.alertChannels.create({ name: 'Hook', type: 'webhook', target: WEBHOOK_URL });
    const rows = await api.inOrganization(admin.organization.id, (em) =>
      em.execute<{ id: string; secret: string }[]>('select id, secret from alert_channel'),
    );
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain('slacksecretpart0001');
    expect(stored).not.toContain(ROUTING_KEY);
    expect(stored).not.toContain(hook.signingSecret as string);
    for (const row of rows) expect(row.secret).toMatch(/^sealed1\./);
    const secretOf = (id: string) => api.secrets.open(rows.find((r) => r.id === id)?.secret ?? '', id);
    expect(secretOf(slack.channel.id)).toBe(SLACK_URL);
    expect(secretOf(pd.channel.id)).toBe(ROUTING_KEY);
    // A new target is sealed as well, and delivery opens it.
    const newUrl = 'https://hooks.slack.com/services/T0001/B0001/slacksecretpart0002';
    endpoints.use(http.post(newUrl, answer(newUrl)));
    await call.alertChannels.update({ id: slack.channel.id, target: newUrl });
    expect((await call.alertChannels.test({ id: slack.channel.id })).ok).toBe(true);
    expect(received.map((r) => r.url)).toEqual([newUrl]);
  });

  it('reports a secret this server cannot open as a failed send, with the reason, never a crash', async () => {
    const { admin, call } = await adminOrganization('unreadable');
    const { channel } = await call.alertChannels.create({ name: 'Slack', type: 'slack', target: SLACK_URL });
    // As if the server had been started with another STRICTOPS_SECRETS_KEY.
    const elsewhere = createSecretBox(randomBytes(32)).seal(SLACK_URL, channel.id);
    await api.inOrganization(admin.organization.id, (em) =>
      em.execute('update alert_channel set secret = ? where id = ?', [elsewhere, channel.id]),
    );
    expect(await call.alertChannels.test({ id: channel.id })).toEqual({
      ok: false,
      statusCode: null,
      error: UNREADABLE_SECRET,
    });
    await failDeployment(admin, call);
    await createAlertDispatcher({ orm: api.orm, mailer: api.mailer, secrets: api.secrets }).runOnce();
    const failed = (await deliveriesOf(admin.organization.id)).find((d) => d.event === 'deployment.failed');
    expect(failed).toMatchObject({ status: 'pending', attemptCount: 1, attempts: [{ error: UNREADABLE_SECRET }] });
    expect(received).toEqual([]);
  });

  it('keeps secrets out of the audit log', async () => {
    const { admin, call } = await adminOrganization('channel-audit');
    const webhook = await call.alertChannels.create({ name: 'Webhook', type: 'webhook', target: WEBHOOK_URL });
    const slack = await call.alertChannels.create({ name: 'Slack', type: 'slack', target: SLACK_URL });
    await call.alertChannels.update({ id: slack.channel.id, target: `${SLACK_URL}2` });
    await call.alertChannels.create({ name: 'PagerDuty', type: 'pagerduty', target: ROUTING_KEY });
    const audit = await api.inOrganization(admin.organization.id, (em) => em.find(AuditEvent, {}));
    const text = JSON.stringify(audit);
    expect(audit.filter((e) => e.action.startsWith('alert_channel.'))).toHaveLength(4);
    for (const secret of [webhook.signingSecret as string, 'slacksecretpart', ROUTING_KEY])
      expect(text).not.toContain(secret);
  });

  it.each([
    ['webhook', 'http://hooks.example.com/x', 'UNSAFE_URL'],
    ['webhook', 'https://169.254.169.254/latest/meta-data/', 'UNSAFE_URL'],
    ['webhook', 'https://2852039166/', 'UNSAFE_URL'],
    ['webhook', 'https://[::ffff:10.0.0.1]/', 'UNSAFE_URL'],
    ['webhook', 'https://localhost/hook', 'UNSAFE_URL'],
    ['slack', 'https://hooks.example.com/services/x', 'VALIDATION_FAILED'],
    ['slack', 'https://127.0.0.1/services/x', 'UNSAFE_URL'],
    ['slack', 'https://hooks.slack.com:22/services/T0001/B0001/x', 'VALIDATION_FAILED'],
    ['slack', 'https://hooks.slack.com#@127.0.0.1/', 'UNSAFE_URL'],
    ['slack', 'https://hooks.slack.com/api/chat.postMessage', 'VALIDATION_FAILED'],
    ['webhook', 'https://localhost./hook', 'UNSAFE_URL'],
    ['webhook', 'https://metadata.google.internal./', 'UNSAFE_URL'],
    ['pagerduty', 'too-short', 'VALIDATION_FAILED'],
    ['webhook', `https://hooks.example.com/${'{'.repeat(700)}`, 'VALIDATION_FAILED'], // 2100 characters encoded
    ['email', 'not an address', 'VALIDATION_FAILED'],
  ] as const)('refuses a %s channel to %s (%s on target) and creates nothing', async (type, target, code) => {
    const { admin, call } = await adminOrganization('bad-target');
    const error = await expectError(call.alertChannels.create({ name: 'Bad', type, target }), code);
    expect((error.cause as { field?: string }).field).toBe('target');
    expect((await call.alertChannels.list({})).items).toEqual([]);
    expect(await deliveriesOf(admin.organization.id)).toEqual([]);
  });

  // Guards the save-time SSRF rules on update as on create: an existing channel cannot be
  // pointed at an internal name, and a refused update changes nothing.
  it.each([
    ['webhook', 'https://hooks.example.com/a', 'https://metadata.google.internal./computeMetadata/v1/'],
    ['webhook', 'https://hooks.example.com/a', 'https://foo.localhost./'],
    ['webhook', 'https://hooks.example.com/a', 'https://router.home.arpa/'],
    ['slack', SLACK_URL, 'https://hooks.slack.com:22/services/T0001/B0001/slacksecretpart0001'],
    ['slack', SLACK_URL, 'https://hooks.slack.com/services/T0001/B0001/x#@127.0.0.1/'],
    ['pagerduty', 'A'.repeat(32), 'https://events.pagerduty.com/v2/enqueue'],
  ] as const)('refuses to point a %s channel at %s on update', async (type, before, after) => {
    const { call } = await adminOrganization('bad-update');
    const { channel } = await call.alertChannels.create({ name: 'Ops', type, target: before });
    const error = await call.alertChannels.update({ id: channel.id, target: after }).catch((e: unknown) => e);
    expect((error as { cause?: { field?: string } }).cause?.field).toBe('target');
    expect((await call.alertChannels.list({})).items).toEqual([channel]);
  });

  it('refuses a duplicate name, and the FREE tier’s second channel', async () => {
    const admin = await api.signUp('channel-limits');
    const call = api.call({ token: admin.token });
    await call.alertChannels.create({ name: 'Ops', type: 'email', target: 'ops@example.com' });
    const limited = await expectError(
      call.alertChannels.create({ name: 'More', type: 'email', target: 'more@example.com' }),
      'LIMIT_REACHED',
    );
    expect((limited.cause as { details?: unknown }).details).toMatchObject({
      limit: 'alertChannels',
      max: 1,
      usage: 1,
    });
    await api.orm.em.fork().nativeUpdate(Organization, { id: admin.organization.id }, { tier: 'STARTER' });
    await expectError(
      call.alertChannels.create({ name: 'Ops', type: 'email', target: 'x@example.com' }),
      'CHANNEL_NAME_TAKEN',
    );
    expect((await call.alertChannels.list({})).items).toHaveLength(1);
  });

  it('lets a customer read channels and their log, not change or test them', async () => {
    const { admin, call } = await adminOrganization('channel-roles');
    const { channel } = await call.alertChannels.create({ name: 'Ops', type: 'email', target: 'ops@example.com' });
    const customer = await api.memberOf(admin.organization.id, 'customer');
    const asCustomer = api.call({ token: customer.token, organization: admin.organization.id });
    expect((await asCustomer.alertChannels.list({})).items).toHaveLength(1);
    expect((await asCustomer.alertChannels.deliveries({ id: channel.id })).items).toEqual([]);
    await expectError(asCustomer.alertChannels.test({ id: channel.id }), 'PERMISSION_DENIED');
    await expectError(asCustomer.alertChannels.update({ id: channel.id, enabled: false }), 'PERMISSION_DENIED');
  });
});

describe('test alerts', () => {
  it('reports success with the status code, and logs the try', async () => {
    const { call } = await adminOrganization('test-slack');
    const { channel } = await call.alertChannels.create({ name: 'Slack', type: 'slack', target: SLACK_URL });
    expect(await call.alertChannels.test({ id: channel.id })).toEqual({ ok: true, statusCode: 200, error: null });
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({ text: expect.stringContaining('StrictOps test alert') });
    const log = await call.alertChannels.deliveries({ id: channel.id });
    expect(log.items).toMatchObject([
      { event: 'alert.test', status: 'delivered', attemptCount: 1, attempts: [{ statusCode: 200 }] },
    ]);
  });

  it.skipIf(inject('embeddedDatabase'))(
    'runs only a few test sends at once, so a slow endpoint cannot hold database connections (real PostgreSQL only)',
    async () => {
      const { admin, call } = await adminOrganization('test-busy');
      const { channel } = await call.alertChannels.create({ name: 'Slow', type: 'webhook', target: WEBHOOK_URL });
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let arrived = 0;
      endpoints.use(
        http.post(WEBHOOK_URL, async () => {
          arrived++;
          await held;
          return HttpResponse.text('ok');
        }),
      );
      const slow = Array.from({ length: TEST_SENDS_AT_ONCE.perOrganization }, () =>
        call.alertChannels.test({ id: channel.id }),
      );
      // Each send reads its channel first: give a busy machine time to get them all to the endpoint.
      await vi.waitFor(() => expect(arrived).toBe(TEST_SENDS_AT_ONCE.perOrganization), { timeout: 10_000 });
      const headers = new Map<string, string>();
      const busy = api.call({ token: admin.token, organization: admin.organization.id, headers });
      await expectError(busy.alertChannels.test({ id: channel.id }), 'ALERT_TEST_BUSY');
      expect(headers.get('Retry-After')).toBe('5');
      // Other organizations still have room, up to the server's own limit.
      const others = await Promise.all(
        Array.from({ length: TEST_SENDS_AT_ONCE.perProcess - TEST_SENDS_AT_ONCE.perOrganization + 1 }, async (_, i) => {
          const other = await adminOrganization(`test-busy-other-${i}`);
          const created = await other.call.alertChannels.create({ name: 'Slow', type: 'webhook', target: WEBHOOK_URL });
          return { call: other.call, id: created.channel.id };
        }),
      );
      const room = others.slice(0, -1).map((o) => o.call.alertChannels.test({ id: o.id }));
      await vi.waitFor(() => expect(arrived).toBe(TEST_SENDS_AT_ONCE.perProcess), { timeout: 10_000 });
      const last = others.at(-1) as (typeof others)[number];
      await expectError(last.call.alertChannels.test({ id: last.id }), 'ALERT_TEST_BUSY');

      release();
      for (const result of await Promise.all([...slow, ...room])) expect(result.ok).toBe(true);
      // Slots are given back: the next send goes through.
      expect((await call.alertChannels.test({ id: channel.id })).ok).toBe(true);
    },
  );

  it('reports a failure by status code, never the remote’s body', async () => {
    const { call } = await adminOrganization('test-failure');
    const { channel } = await call.alertChannels.create({ name: 'Hook', type: 'webhook', target: WEBHOOK_URL });
    answers.set(WEBHOOK_URL, [500]);
    const result = await call.alertChannels.test({ id: channel.id });
    expect(result).toEqual({ ok: false, statusCode: 500, error: 'HTTP 500' });
    const log = JSON.stringify(await call.alertChannels.deliveries({ id: channel.id }));
    expect(log).not.toContain('DEADBEEF');
  });

  it('does not follow a redirect', async () => {
    const { call } = await adminOrganization('test-redirect');
    const { channel } = await call.alertChannels.create({ name: 'Hook', type: 'webhook', target: WEBHOOK_URL });
    answers.set(WEBHOOK_URL, [302]);
    expect(await call.alertChannels.test({ id: channel.id })).toEqual({
      ok: false,
      statusCode: 302,
      error: 'HTTP 302',
    });
    expect(received.map((r) => r.url)).toEqual([WEBHOOK_URL]);
  });

  it('sends email through the mailer and PagerDuty events with the routing key', async () => {
    const { call } = await adminOrganization('test-mail-pd');
    const address = `${unique('oncall')}@example.com`;
    const email = await call.alertChannels.create({ name: 'Mail', type: 'email', target: address });
    expect((await call.alertChannels.test({ id: email.channel.id })).ok).toBe(true);
    expect(api.mailer.outbox.findLast((m) => m.to === address)?.subject).toBe('[StrictOps] StrictOps test alert');

    const pd = await call.alertChannels.create({ name: 'PD', type: 'pagerduty', target: ROUTING_KEY });
    answers.set(PAGERDUTY_EVENTS_URL, [202]);
    expect(await call.alertChannels.test({ id: pd.channel.id })).toEqual({ ok: true, statusCode: 202, error: null });
    expect(JSON.parse(received[0]?.body ?? '')).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      payload: { source: 'StrictOps', severity: 'info' },
    });
  });
});

describe('failed deployments notify enabled channels', () => {
  it('writes the outbox with the failure, then delivers a signed webhook and a Slack message', async () => {
    const { admin, call } = await adminOrganization('notify');
    const webhook = await call.alertChannels.create({ name: 'Hook', type: 'webhook', target: WEBHOOK_URL });
    await call.alertChannels.create({ name: 'Slack', type: 'slack', target: SLACK_URL });
    const off = await call.alertChannels.create({
      name: 'Off',
      type: 'email',
      target: 'off@example.com',
      enabled: false,
    });

    const { deployment, project } = await failDeployment(admin, call);
    const pending = await deliveriesOf(admin.organization.id);
    expect(pending.map((d) => [d.event, d.status])).toEqual([
      ['deployment.failed', 'pending'],
      ['deployment.failed', 'pending'],
    ]);
    expect(pending.map((d) => d.channel.id)).not.toContain(off.channel.id);
    expect(received).toEqual([]); // nothing is sent inside the transaction

    const logged: unknown[] = [];
    const dispatcher = createAlertDispatcher({
      orm: api.orm,
      mailer: api.mailer,
      secrets: api.secrets,
      log: (m, f) => logged.push([m, f]),
    });
    await dispatcher.runOnce();
    const hook = received.find((r) => r.url === WEBHOOK_URL);
    if (!hook) throw new Error('the webhook received nothing');
    const [, timestamp, digest] =
      /^t=(\d+),v1=([0-9a-f]{64})$/.exec(hook.headers.get('strictops-signature') ?? '') ?? [];
    const expected = createHmac('sha256', webhook.signingSecret as string)
      .update(`${timestamp}.${hook.body}`)
      .digest('hex');
    expect(digest).toBe(expected);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(hook.headers.get('strictops-event')).toBe('deployment.failed');
    expect(JSON.parse(hook.body)).toMatchObject({
      type: 'deployment.failed',
      data: {
        project: { id: project.id, name: project.name },
        environment: { name: 'production' },
        deployment: { id: deployment.id, ref: 'v1.2.3', statusMessage: 'health check timed out' },
      },
    });
    const slack = received.find((r) => r.url === SLACK_URL);
    expect(JSON.parse(slack?.body ?? '{}').text).toContain(`Deployment failed: ${project.name} to production`);

    const log = await call.alertChannels.deliveries({ id: webhook.channel.id });
    expect(log.items).toMatchObject([{ event: 'deployment.failed', status: 'delivered', attemptCount: 1 }]);
    // The dispatcher serves every organization: a delivery another test left pending may come due
    // meanwhile on a slow machine. None of this organization's failed.
    const ours = new Set(pending.map((d) => d.id));
    const failedHere = (logged as [string, { deliveryId?: string }][]).filter(([, f]) => ours.has(f.deliveryId ?? ''));
    expect(failedHere).toEqual([]);
  });

  it('retries with backoff, then gives up after the last attempt; the log keeps the reasons', async () => {
    const { admin, call } = await adminOrganization('retry');
    const { channel } = await call.alertChannels.create({ name: 'Hook', type: 'webhook', target: WEBHOOK_URL });
    const logged: string[] = [];
    const dispatcher = createAlertDispatcher({
      orm: api.orm,
      mailer: api.mailer,
      secrets: api.secrets,
      log: (message, fields) => logged.push(`${message} ${JSON.stringify(fields)}`),
    });
    await failDeployment(admin, call);
    const mine = async () => (await deliveriesOf(admin.organization.id))[0] as AlertDelivery;

    answers.set(WEBHOOK_URL, [503, 500]);
    const before = Date.now();
    await dispatcher.runOnce();
    expect(await mine()).toMatchObject({ status: 'pending', attemptCount: 1 });
    const retryAt = (await mine()).nextAttemptAt?.getTime() ?? 0;
    expect(retryAt).toBeGreaterThanOrEqual(before + (RETRY_DELAYS_SECONDS[0] ?? 0) * 1000);
    expect(retryAt).toBeLessThanOrEqual(Date.now() + (RETRY_DELAYS_SECONDS[0] ?? 0) * 1000);
    await dispatcher.runOnce(); // not due yet: nothing is sent
    expect(received).toHaveLength(1);

    await elapse(admin.organization.id, RETRY_DELAYS_SECONDS[0] ?? 0);
    await dispatcher.runOnce();
    expect(await mine()).toMatchObject({ status: 'pending', attemptCount: 2 });
    await elapse(admin.organization.id, RETRY_DELAYS_SECONDS[1] ?? 0);
    await dispatcher.runOnce();
    const delivered = await mine();
    expect(delivered).toMatchObject({ status: 'delivered', attemptCount: 3, nextAttemptAt: null });
    expect(delivered.attempts.map((a) => a.statusCode)).toEqual([503, 500, 200]);
    expect(received).toHaveLength(3);

    // A channel that never answers well: every delay, then failed.
    await failDeployment(admin, call);
    answers.set(WEBHOOK_URL, Array(MAX_ATTEMPTS).fill(500));
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      await elapse(admin.organization.id, 3 * 3600);
      await dispatcher.runOnce();
    }
    const log = await call.alertChannels.deliveries({ id: channel.id });
    expect(log.items[0]).toMatchObject({ status: 'failed', attemptCount: MAX_ATTEMPTS, nextAttemptAt: null });
    await elapse(admin.organization.id, 3 * 3600);
    const sent = received.length;
    await dispatcher.runOnce();
    expect(received).toHaveLength(sent);
    expect(logged.join('\n')).not.toContain(WEBHOOK_URL);
  });

  it('leaves a delivery to the dispatcher that took it over when a lease ran out', async () => {
    const { admin, call } = await adminOrganization('takeover');
    await call.alertChannels.create({ name: 'First', type: 'webhook', target: WEBHOOK_URL });
    await call.alertChannels.create({ name: 'Second', type: 'webhook', target: WEBHOOK_URL });
    await failDeployment(admin, call);
    // The endpoint hangs on the first two requests until told to answer.
    const sends: string[] = [];
    const gates = [Promise.withResolvers<void>(), Promise.withResolvers<void>()];
    endpoints.use(
      http.post(WEBHOOK_URL, async ({ request }) => {
        sends.push(request.headers.get('strictops-delivery') ?? '');
        await gates[sends.length - 1]?.promise;
        return HttpResponse.text('ok');
      }),
    );
    // The first dispatcher claims both deliveries and hangs on its first send...
    const slow = createAlertDispatcher({ orm: api.orm, mailer: api.mailer, secrets: api.secrets }).runOnce();
    await vi.waitFor(() => expect(sends).toHaveLength(1));
    // ...past its lease: a second dispatcher claims both again, and hangs on its own first send.
    await elapse(admin.organization.id, LEASE_SECONDS + 1);
    const takeover = createAlertDispatcher({ orm: api.orm, mailer: api.mailer, secrets: api.secrets }).runOnce();
    await vi.waitFor(() => expect(sends).toHaveLength(2));
    // The first dispatcher goes on: its claim on the delivery it had not started is no longer the
    // latest, so it leaves that one to the second, which is still holding it.
    gates[0]?.resolve();
    await slow;
    expect(sends).toHaveLength(2);
    gates[1]?.resolve();
    expect(await takeover).toBe(2);
    const [hung] = sends;
    expect(sends.filter((id) => id !== hung)).toHaveLength(1);
    const deliveries = await deliveriesOf(admin.organization.id);
    expect(deliveries.map((d) => [d.status, d.attemptCount, d.attempts.length])).toEqual([
      ['delivered', 2, 1],
      ['delivered', 2, 1],
    ]);
  });

  it('writes no alert when the failure itself rolls back', async () => {
    const { admin, call } = await adminOrganization('rollback');
    await call.alertChannels.create({ name: 'Hook', type: 'webhook', target: WEBHOOK_URL });
    const project = await call.projects.create({ name: unique('rollback') });
    const { deployment } = await call.deployments.create({ projectId: project.id, environment: 'dev', ref: 'main' });
    await api.inOrganization(admin.organization.id, (em) =>
      em.nativeUpdate(Deployment, { id: deployment.id }, { status: 'in_progress' }),
    );
    const audit = {
      organizationId: admin.organization.id,
      actor: { type: 'service' as const, id: 'worker', display: 'worker' },
      origin: { ip: null, userAgent: null, requestId: 'rollback' },
    };
    await expect(
      api.inOrganization(admin.organization.id, async (em) => {
        await transition(em, { audit, id: deployment.id, to: 'failed' });
        expect(await em.count(AlertDelivery, {})).toBe(1);
        throw new Error('the rest of the request failed');
      }),
    ).rejects.toThrow('the rest of the request failed');
    expect(await deliveriesOf(admin.organization.id)).toEqual([]);
  });

  it('does not send for a channel disabled after the alert was written', async () => {
    const { admin, call } = await adminOrganization('disabled-later');
    const { channel } = await call.alertChannels.create({ name: 'Hook', type: 'webhook', target: WEBHOOK_URL });
    await failDeployment(admin, call);
    await call.alertChannels.update({ id: channel.id, enabled: false });
    await createAlertDispatcher({ orm: api.orm, mailer: api.mailer, secrets: api.secrets }).runOnce();
    expect(received).toEqual([]);
    expect((await call.alertChannels.deliveries({ id: channel.id })).items).toMatchObject([
      { status: 'failed', attempts: [{ error: 'the channel is disabled' }] },
    ]);
  });

  it('runs on its own once started, and stops cleanly', async () => {
    const { admin, call } = await adminOrganization('started');
    await call.alertChannels.create({ name: 'Hook', type: 'webhook', target: WEBHOOK_URL });
    const dispatcher = createAlertDispatcher({
      orm: api.orm,
      mailer: api.mailer,
      secrets: api.secrets,
      intervalMs: 20,
    });
    dispatcher.start();
    try {
      await failDeployment(admin, call);
      await vi.waitFor(async () => expect((await deliveriesOf(admin.organization.id))[0]?.status).toBe('delivered'), {
        timeout: 5000,
        interval: 50,
      });
    } finally {
      await dispatcher.stop();
    }
  });

  it('gives up on a delivery that crashes every time once its attempts are used up', async () => {
    const { admin, call } = await adminOrganization('crashing');
    const { channel } = await call.alertChannels.create({ name: 'Hook', type: 'webhook', target: WEBHOOK_URL });
    // A payload the renderer cannot read: every try throws before anything is sent.
    const id = await api.inOrganization(admin.organization.id, async (em) => {
      const delivery = em.create(AlertDelivery, {
        organization: admin.organization.id,
        channel: channel.id,
        event: 'deployment.failed',
        payload: {},
        status: 'pending',
        attemptCount: MAX_ATTEMPTS - 1,
        attempts: [],
        nextAttemptAt: new Date(),
      });
      await em.flush();
      return delivery.id;
    });
    await createAlertDispatcher({ orm: api.orm, mailer: api.mailer, secrets: api.secrets }).runOnce();
    const [delivery] = await deliveriesOf(admin.organization.id);
    expect(delivery).toMatchObject({ id, status: 'failed', attemptCount: MAX_ATTEMPTS });
    expect(received).toEqual([]);
  });
});

describe('monitoring alerts reach channels', () => {
  const monitoring = () => api.call({ token: api.serviceTokens.monitoring }).internal.alerts;
  const dispatch = () => createAlertDispatcher({ orm: api.orm, mailer: api.mailer, secrets: api.secrets }).runOnce();
  const bodiesTo = (url: string) => received.filter((r) => r.url === url).map((r) => JSON.parse(r.body));

  it('PagerDuty gets one trigger and one resolve with the same dedup key, every other type a raised and a resolved message; a repeat sends nothing', async () => {
    const { admin, call } = await adminOrganization('pd-lifecycle');
    const routingKey = 'PdLifecycle0123456789abcdefABCDE';
    const pd = await call.alertChannels.create({ name: 'PD', type: 'pagerduty', target: routingKey });
    const slackUrl = 'https://hooks.slack.com/services/T0001/B0004/lifecycle00001';
    endpoints.use(http.post(slackUrl, answer(slackUrl)));
    await call.alertChannels.create({ name: 'Slack', type: 'slack', target: slackUrl });
    const webhook = await call.alertChannels.create({ name: 'Hook', type: 'webhook', target: WEBHOOK_URL });
    const address = `${unique('pager')}@example.com`;
    await call.alertChannels.create({ name: 'Mail', type: 'email', target: address });
    const organizationId = admin.organization.id;
    const alert = {
      organizationId,
      severity: 'critical' as const,
      title: 'API down',
      dedupKey: 'api-down',
      source: 'synthetics',
    };
    const { alert: raised } = await monitoring().raise({ ...alert, details: '5xx at 40%' });
    await monitoring().raise({ ...alert, details: '5xx at 60%' });
    await dispatch();
    await monitoring().resolve({ organizationId, dedupKey: 'api-down' });
    await dispatch();

    const events = bodiesTo(PAGERDUTY_EVENTS_URL).filter((e) => e.routing_key === routingKey);
    expect(events).toEqual([
      {
        routing_key: routingKey,
        event_action: 'trigger',
        dedup_key: `alert-${raised.id}`,
        payload: expect.objectContaining({ summary: '[CRITICAL] API down', severity: 'critical', source: 'StrictOps' }),
      },
      { routing_key: routingKey, event_action: 'resolve', dedup_key: `alert-${raised.id}` },
    ]);
    expect(events[0].payload.custom_details.text).toContain('5xx at 40%');
    const log = await call.alertChannels.deliveries({ id: pd.channel.id });
    expect(log.items.map((d) => [d.event, d.status])).toEqual([
      ['alert.resolved', 'delivered'],
      ['alert.raised', 'delivered'],
    ]);

    expect(bodiesTo(slackUrl).map((b) => b.text.split('\n')[0])).toEqual([
      '*[CRITICAL] API down*',
      '*Resolved: API down*',
    ]);
    const hooks = received.filter((r) => r.url === WEBHOOK_URL);
    expect(hooks.map((h) => JSON.parse(h.body))).toMatchObject([
      { type: 'alert.raised', data: { alert: { id: raised.id, dedupKey: 'api-down', details: '5xx at 40%' } } },
      { type: 'alert.resolved', data: { alert: { id: raised.id, resolvedAt: expect.any(String), repeats: 1 } } },
    ]);
    for (const hook of hooks) {
      const [, timestamp, digest] =
        /^t=(\d+),v1=([0-9a-f]{64})$/.exec(hook.headers.get('strictops-signature') ?? '') ?? [];
      expect(digest).toBe(
        createHmac('sha256', webhook.signingSecret as string)
          .update(`${timestamp}.${hook.body}`)
          .digest('hex'),
      );
    }
    expect(api.mailer.outbox.filter((m) => m.to === address).map((m) => m.subject)).toEqual([
      '[StrictOps] [CRITICAL] API down',
      '[StrictOps] Resolved: API down',
    ]);
  });

  it('routes by severity, project and environment: a Slack channel filtered to critical receives nothing for a warning', async () => {
    const { admin, call } = await adminOrganization('routing');
    const organizationId = admin.organization.id;
    const slackUrl = 'https://hooks.slack.com/services/T0001/B0002/criticalonly0001';
    endpoints.use(http.post(slackUrl, answer(slackUrl)));
    const shop = await call.projects.create({ name: unique('Shop') });
    const blog = await call.projects.create({ name: unique('Blog') });
    const critical = await call.alertChannels.create({
      name: 'Critical only',
      type: 'slack',
      target: slackUrl,
      routing: { severities: ['critical'] },
    });
    expect(critical.channel.routing).toEqual({ severities: ['critical'], projectIds: null, environments: null });
    await call.alertChannels.create({
      name: 'Shop production',
      type: 'webhook',
      target: WEBHOOK_URL,
      routing: { projectIds: [shop.id], environments: ['production'] },
    });

    const raise = (dedupKey: string, extra: Record<string, unknown>) =>
      monitoring().raise({ organizationId, title: dedupKey, dedupKey, source: 'test', severity: 'warning', ...extra });
    await raise('shop-prod-warning', { projectId: shop.id, environment: 'production' });
    await raise('blog-prod-critical', { projectId: blog.id, environment: 'production', severity: 'critical' });
    await raise('shop-dev-critical', { projectId: shop.id, environment: 'dev', severity: 'critical' });
    await dispatch();

    // The dispatcher sends in no particular order.
    expect(
      bodiesTo(slackUrl)
        .map((b) => b.text.split('\n')[0])
        .sort(),
    ).toEqual(['*[CRITICAL] blog-prod-critical*', '*[CRITICAL] shop-dev-critical*']);
    expect(bodiesTo(WEBHOOK_URL).map((b) => [b.type, b.data.alert.title])).toEqual([
      ['alert.raised', 'shop-prod-warning'],
    ]);
    // A resolution follows the raise to the channels that were told, and no further.
    received = [];
    await monitoring().resolve({ organizationId, dedupKey: 'shop-prod-warning' });
    await dispatch();
    expect(bodiesTo(slackUrl)).toEqual([]);
    expect(bodiesTo(WEBHOOK_URL).map((b) => b.type)).toEqual(['alert.resolved']);
    // Routing names this organization's projects only.
    const other = await adminOrganization('routing-other');
    const foreign = await other.call.projects.create({ name: unique('Foreign') });
    const error = await expectError(
      call.alertChannels.update({ id: critical.channel.id, routing: { projectIds: [foreign.id] } }),
      'PROJECT_NOT_FOUND',
    );
    expect((error.cause as { field?: string }).field).toBe('routing.projectIds.0');
  });

  it('a storm of 1,000 alerts sends no more than the ceiling and one summary; every alert is recorded', async () => {
    // FREE: one channel, and the lowest ceiling.
    const admin = await api.signUp('storm');
    const organizationId = admin.organization.id;
    const call = api.call({ token: admin.token, organization: organizationId });
    const slackUrl = 'https://hooks.slack.com/services/T0001/B0003/stormchannel0001';
    endpoints.use(http.post(slackUrl, answer(slackUrl)));
    await call.alertChannels.create({ name: 'Storm', type: 'slack', target: slackUrl });
    const ceiling = ENTITLEMENTS.FREE.alertNotificationsPerChannelPerMinute;
    // One minute, held still (the clock alone: timers run), so the storm cannot straddle two.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Math.floor(Date.now() / 60_000) * 60_000 + 1_000);
    try {
      for (let i = 0; i < 1000; i += 10) {
        await Promise.all(
          Array.from({ length: 10 }, (_, j) =>
            monitoring().raise({
              organizationId,
              severity: j === 0 ? 'critical' : 'warning',
              title: `Node ${i + j} unreachable`,
              dedupKey: `node-${i + j}`,
              source: 'pinger',
            }),
          ),
        );
      }
    } finally {
      vi.useRealTimers();
    }
    expect(await api.inOrganization(organizationId, (em) => em.count(Alert, {}))).toBe(1000);

    // The summary is sent once its minute is over (made so here, should the storm have been quicker).
    await elapse(organizationId, 60);
    await dispatch();
    await dispatch();
    const messages = bodiesTo(slackUrl).map((b) => b.text as string);
    expect(messages).toHaveLength(ceiling + 1);
    const summaries = messages.filter((text) => text.includes('more alert notification(s) grouped'));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toContain(`*${1000 - ceiling} more alert notification(s) grouped`);
    const summary = (await deliveriesOf(organizationId)).find((d) => d.event === 'alert.summary');
    expect(summary?.payload).toMatchObject({ count: 1000 - ceiling, severity: 'critical' });
    expect((summary?.payload as { items?: unknown[] } | undefined)?.items).toHaveLength(SUMMARY_ITEMS_LISTED);
  }, 600_000);
});
