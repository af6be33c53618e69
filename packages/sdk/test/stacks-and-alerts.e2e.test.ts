// Stack strategies and monitoring alerts through the SDK against the real server on a real port,
// the way a customer's code and the monitoring service would drive them. No dispatcher runs here
// (another file's would compete for the same outbox); deliveries are checked in the channel's log.
import { createMemoryMailer, createSecretBox, newSecretsKey } from '@strictops/api';
import { type Orm, openDatabase } from '@strictops/db';
import type {} from '@strictops/db/testing';
import { buildApp } from '@strictops/server';
import { loadConfig } from '@strictops/server/config';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createStrictOpsClient,
  isStrictOpsError,
  type StrictOpsClientOptions,
  type StrictOpsError,
} from '../src/index.ts';
import { createStrictOpsInternalClient } from '../src/internal.ts';

const MONITORING_SECRET = 'sdk-stacks-and-alerts-monitoring-secret-0123';
const WORKER_SECRET = 'sdk-stacks-and-alerts-worker-secret-0123456';

let orm: Orm;
let app: Awaited<ReturnType<typeof buildApp>>;
let baseUrl: string;

beforeAll(async () => {
  orm = await openDatabase({ url: inject('databaseUrl') });
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    STRICTOPS_SERVICE_TOKENS: `deploy-worker:${WORKER_SECRET},monitoring:${MONITORING_SECRET}`,
  });
  app = await buildApp({
    config,
    dependencies: {
      orm,
      mailer: createMemoryMailer({ publicUrl: 'http://localhost:3000' }),
      secrets: createSecretBox(Buffer.from(newSecretsKey(), 'base64')),
      serviceCredentials: config.serviceCredentials,
    },
  });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await orm?.close();
});

const run = `${process.pid}-${Date.now().toString(36)}`;
let counter = 0;
const unique = (label: string) => `${label}-${run}-${counter++}`;
const client = (options: Omit<StrictOpsClientOptions, 'baseUrl'> = {}) =>
  createStrictOpsClient({ baseUrl, ...options });

async function signUp(label: string) {
  const email = `${unique(label)}@example.com`;
  const result = await client().auth.signUp.mutate({ email, password: 'correct horse battery staple', name: label });
  const api = client({ token: result.session.token });
  const organization = (await api.organizations.get.query({})).id;
  return { api, organization, token: result.session.token };
}

async function apiError(call: () => Promise<unknown>): Promise<StrictOpsError> {
  try {
    await call();
  } catch (error) {
    if (isStrictOpsError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const SHOP = `version: 1
services:
  api: { type: container, port: 8080, resources: [db, cache, uploads] }
  worker: { type: function, resources: [jobs, db] }
resources:
  db: { kind: database, engine: postgres }
  cache: { kind: cache, engine: redis }
  uploads: { kind: storage }
  jobs: { kind: queue }
`;

describe('stack strategies through the SDK', () => {
  it('plans, previews, records the plan on a deployment, and changes strategy only with moves confirmed', async () => {
    const { api } = await signUp('stacks');
    const project = await api.projects.create.mutate({ name: unique('Shop') });
    await api.projects.applyConfig.mutate({ id: project.id, yaml: SHOP });

    const plan = await api.projects.stackPlan.query({ projectId: project.id, environment: 'staging' });
    expect(plan).toMatchObject({ strategy: 'per-environment', region: 'us-east-1', environment: { name: 'staging' } });
    expect(plan.stacks).toHaveLength(1);
    const [stack] = plan.stacks;
    expect(stack?.name).toMatch(/^so-[0-9a-z]{26}-[0-9a-z]{26}$/);
    expect(stack?.resources.map((r) => r.name)).toEqual(['cache', 'db', 'jobs', 'uploads']);
    const preview = await api.projects.stackPlan.query({
      projectId: project.id,
      environment: 'staging',
      strategy: 'per-service',
    });
    expect(preview.stacks.map((s) => s.name)).toEqual([
      `${stack?.name}-data`,
      `${stack?.name}-svc-api`,
      `${stack?.name}-svc-worker`,
    ]);

    // A deployment records the plan it was queued with.
    const { deployment } = await api.deployments.create.mutate({
      projectId: project.id,
      environment: 'staging',
      ref: 'v1',
    });
    expect((await api.deployments.get.query({ id: deployment.id })).stackPlan).toEqual(plan);

    // The database would leave a live stack: refused, naming what moves, until confirmed.
    const refused = await apiError(() => api.projects.updateStacks.mutate({ id: project.id, strategy: 'per-service' }));
    expect(refused).toMatchObject({
      code: 'RESOURCE_MOVE_UNCONFIRMED',
      httpStatus: 409,
      field: 'confirmResourceMoves',
    });
    expect(refused.details).toMatchObject({ resources: ['cache', 'db', 'jobs', 'uploads'] });
    const changed = await api.projects.updateStacks.mutate({
      id: project.id,
      strategy: 'per-service',
      confirmResourceMoves: ['cache', 'db', 'jobs', 'uploads'],
    });
    expect(changed).toMatchObject({ strategy: 'per-service', applied: true });
    expect(changed.environments.find((e) => e.environment === 'staging')).toMatchObject({
      deployed: true,
      stacksRemoved: [{ stack: stack?.name }],
    });
    expect((await api.projects.stackPlan.query({ projectId: project.id, environment: 'staging' })).stacks).toHaveLength(
      3,
    );
    // The deployment keeps the plan it was queued with.
    expect((await api.deployments.get.query({ id: deployment.id })).stackPlan).toEqual(plan);
  });
});

describe('monitoring alerts through the SDK', () => {
  it('the monitoring service raises and resolves; members list and acknowledge; channels get what they route', async () => {
    const { api, organization, token } = await signUp('alerts');
    const monitoring = createStrictOpsInternalClient({ baseUrl, serviceCredential: MONITORING_SECRET });
    const project = await api.projects.create.mutate({ name: unique('Monitored') });
    const { channel } = await api.alertChannels.create.mutate({
      name: 'On call',
      type: 'email',
      target: 'oncall@example.com',
      routing: { severities: ['critical'] },
    });

    const down = {
      organizationId: organization,
      projectId: project.id,
      environment: 'production',
      severity: 'critical' as const,
      title: 'Checkout API down',
      dedupKey: 'checkout-down',
      source: 'synthetics',
    };
    const first = await monitoring.internal.alerts.raise.mutate({ ...down, details: '3 of 3 probes failed' });
    expect(first).toMatchObject({ opened: true, alert: { status: 'open', severity: 'critical' } });
    const again = await monitoring.internal.alerts.raise.mutate({ ...down, details: '3 of 3 probes failed, again' });
    expect(again).toMatchObject({ opened: false, alert: { id: first.alert.id, repeats: 1 } });
    await monitoring.internal.alerts.raise.mutate({
      organizationId: organization,
      severity: 'warning',
      title: 'Slow queries',
      dedupKey: 'slow-queries',
      source: 'pg-stats',
    });

    const open = await api.alerts.list.query({ status: 'unresolved' });
    expect(open.items.map((a) => a.title)).toEqual(['Slow queries', 'Checkout API down']);
    expect((await api.alerts.list.query({ projectId: project.id })).items.map((a) => a.id)).toEqual([first.alert.id]);
    const acknowledged = await api.alerts.acknowledge.mutate({ id: first.alert.id });
    expect(acknowledged).toMatchObject({ status: 'acknowledged', acknowledgedBy: { type: 'user' } });
    expect(acknowledged.acknowledgedAt).toBeInstanceOf(Date);

    expect(
      await monitoring.internal.alerts.resolve.mutate({ organizationId: organization, dedupKey: 'checkout-down' }),
    ).toMatchObject({ resolved: true, alert: { status: 'resolved' } });
    expect((await api.alerts.get.query({ id: first.alert.id })).resolvedAt).toBeInstanceOf(Date);

    // The channel routed critical alerts only: the raise and the resolution, not the warning.
    const log = await api.alertChannels.deliveries.query({ id: channel.id });
    expect(log.items.map((d) => d.event)).toEqual(['alert.resolved', 'alert.raised']);

    // The monitoring credential raises alerts and nothing else; members cannot raise them.
    const refused = await apiError(() => monitoring.internal.deployments.claim.mutate({ workerId: 'monitoring' }));
    expect(refused).toMatchObject({ code: 'PERMISSION_DENIED', httpStatus: 403 });
    // The public client has no internal.* at all; a member's session sent as a service credential is refused.
    const asMember = createStrictOpsInternalClient({ baseUrl, serviceCredential: token });
    const member = await apiError(() => asMember.internal.alerts.raise.mutate({ ...down, dedupKey: 'from-a-member' }));
    expect(member.code).toBe('UNAUTHENTICATED');
  });
});
