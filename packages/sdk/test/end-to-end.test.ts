// The SDK against the real server: buildApp on a real port, on the real (throwaway) database.
// Everything below goes through the SDK only, the way a customer's code would.
import { createHmac } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { createServer } from 'node:net';
import { createAlertDispatcher, createMemoryMailer, createSecretBox, newSecretsKey } from '@strictops/api';
import { type RoleRules, stsHandler, TEST_AWS } from '@strictops/api/testing/aws';
import { githubHandlers, installApp, newGithubWorld, oauthCode, TEST_GITHUB } from '@strictops/api/testing/github';
import { type Orm, openDatabase } from '@strictops/db';
import type {} from '@strictops/db/testing';
import { buildApp } from '@strictops/server';
// The server package exports only buildApp; loadConfig keeps the config's defaults in step with it.
import { loadConfig } from '@strictops/server/config';
import { recordErrorBodies } from '@strictops/server/testing';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createStrictOpsClient,
  isStrictOpsError,
  paginate,
  type StrictOpsClientOptions,
  StrictOpsError,
} from '../src/index.ts';
import { createStrictOpsInternalClient } from '../src/internal.ts';

let orm: Orm;
let app: Awaited<ReturnType<typeof buildApp>>;
let baseUrl: string;
// Every error body the server answers the SDK is held to the OpenAPI document.
let errorBodies: ReturnType<typeof recordErrorBodies>;
// Invitation emails land here; a deploy worker authenticates with this service secret.
const mailer = createMemoryMailer({ publicUrl: 'http://localhost:3000' });
const secrets = createSecretBox(Buffer.from(newSecretsKey(), 'base64'));
const WORKER_SECRET = 'sdk-end-to-end-worker-secret-0123456789';
const BILLING_SECRET = 'sdk-end-to-end-billing-secret-012345678';

beforeAll(async () => {
  orm = await openDatabase({ url: inject('databaseUrl') });
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    STRICTOPS_SERVICE_TOKENS: `deploy-worker:${WORKER_SECRET},billing:${BILLING_SECRET}`,
    STRICTOPS_AWS_ACCOUNT_ID: TEST_AWS.accountId,
    GITHUB_APP_ID: TEST_GITHUB.appId,
    GITHUB_APP_SLUG: TEST_GITHUB.slug,
    GITHUB_APP_PRIVATE_KEY: TEST_GITHUB.privateKey,
    GITHUB_WEBHOOK_SECRET: TEST_GITHUB.webhookSecret,
    GITHUB_CLIENT_ID: TEST_GITHUB.clientId,
    GITHUB_CLIENT_SECRET: TEST_GITHUB.clientSecret,
  });
  app = await buildApp({
    config,
    dependencies: {
      orm,
      mailer,
      secrets,
      serviceCredentials: config.serviceCredentials,
      // STS is answered by msw; explicit credentials keep the AWS SDK from looking for real ones.
      aws: config.aws && { ...config.aws, credentials: TEST_AWS.credentials },
      github: config.github,
    },
  });
  errorBodies = recordErrorBodies(app);
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  const problems = errorBodies ? await errorBodies.check() : [];
  await app?.close();
  await orm?.close();
  expect(problems, 'error bodies /openapi.json does not describe').toEqual([]);
});

const run = `${process.pid}-${Date.now().toString(36)}`;
let counter = 0;
/** Unique per call and per run, so runs sharing a database never collide. */
const unique = (label: string) => `${label}-${run}-${counter++}`;

const PASSWORD = 'correct horse battery staple';

const client = (options: Omit<StrictOpsClientOptions, 'baseUrl'> = {}) =>
  createStrictOpsClient({ baseUrl, ...options });
/** The internal services, through the SDK's internal entry point with their service credentials. */
const deployWorker = () => createStrictOpsInternalClient({ baseUrl, serviceCredential: WORKER_SECRET });
const billing = () => createStrictOpsInternalClient({ baseUrl, serviceCredential: BILLING_SECRET });

/** Signs a new user up through the SDK; returns their email, token and a client acting as them. */
async function signUp(label: string) {
  const email = `${unique(label)}@example.com`;
  const result = await client().auth.signUp.mutate({ email, password: PASSWORD, name: label });
  return { email, ...result, api: client({ token: result.session.token }) };
}

/** Runs `call`, which must reject with a StrictOpsError, and returns it. */
async function apiError(call: () => Promise<unknown>): Promise<StrictOpsError> {
  try {
    await call();
  } catch (error) {
    expect(error).toBeInstanceOf(StrictOpsError);
    if (isStrictOpsError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('accounts', () => {
  it('signs up, then reads me: the user administers their new organization', async () => {
    const before = Date.now();
    const { email, user, session, api } = await signUp('ada');

    expect(user.email).toBe(email);
    expect(user.name).toBe('ada');
    expect(session.token).toEqual(expect.any(String));
    // Dates arrive as Dates (superjson), not as strings.
    expect(session.expiresAt).toBeInstanceOf(Date);
    expect(session.expiresAt.getTime()).toBeGreaterThan(before);

    const me = await api.auth.me.query();
    expect(me.user).toEqual(user);
    expect(me.user.createdAt).toBeInstanceOf(Date);
    expect(me.memberships).toHaveLength(1);
    expect(me.memberships[0]).toMatchObject({ role: 'strictops_admin', tier: 'FREE' });
    expect(me.memberships[0]?.createdAt).toBeInstanceOf(Date);
    expect(me.activeOrganization).toEqual(me.memberships[0]);
  });

  it('signs in with the password, and the new session works', async () => {
    const { email, user } = await signUp('signin');
    const signedIn = await client().auth.signIn.mutate({ email, password: PASSWORD });
    expect(signedIn.user.id).toBe(user.id);

    const me = await client({ token: signedIn.session.token }).auth.me.query();
    expect(me.user.email).toBe(email);
  });

  it('asks a token function for the token', async () => {
    const { session, email } = await signUp('token-fn');
    const me = await client({ token: async () => session.token }).auth.me.query();
    expect(me.user.email).toBe(email);
  });
});

describe('organizations', () => {
  it('creates a second organization, lists both, and switches to it', async () => {
    const { api } = await signUp('grace');
    const first = (await api.auth.me.query()).activeOrganization;
    if (!first) throw new Error('sign-up gave no active organization');

    const slug = unique('second').toLowerCase();
    const second = await api.organizations.create.mutate({ name: 'Second Org', slug });
    expect(second).toMatchObject({ name: 'Second Org', slug, role: 'strictops_admin', tier: 'FREE' });
    expect(second.createdAt).toBeInstanceOf(Date);
    expect(second.id).not.toBe(first.id);

    const { items } = await api.organizations.list.query();
    expect(items.map((o) => o.id).sort()).toEqual([first.id, second.id].sort());
    expect((await api.organizations.get.query()).id).toBe(first.id);

    const switched = await api.organizations.switch.mutate({ organization: slug });
    expect(switched.id).toBe(second.id);

    const me = await api.auth.me.query();
    expect(me.activeOrganization?.id).toBe(second.id);
    expect(me.memberships).toHaveLength(2);
    expect((await api.organizations.get.query()).id).toBe(second.id);
  });

  it('acts on the organization named by the organization option, whatever the session’s active one', async () => {
    const { api, session } = await signUp('header');
    const first = (await api.auth.me.query()).activeOrganization;
    if (!first) throw new Error('sign-up gave no active organization');
    const second = await api.organizations.create.mutate({ name: 'Other Org' });
    await api.organizations.switch.mutate({ organization: second.id });

    const byId = client({ token: session.token, organization: first.id });
    expect(await byId.organizations.get.query()).toEqual(first);
    const bySlug = client({ token: session.token, organization: first.slug });
    expect((await bySlug.organizations.get.query()).id).toBe(first.id);

    // The header picks the organization per request; it does not move the session.
    expect((await api.organizations.get.query()).id).toBe(second.id);
    expect((await api.auth.me.query()).activeOrganization?.id).toBe(second.id);
  });

  it('answers ORGANIZATION_NOT_FOUND for an organization the caller does not belong to', async () => {
    const owner = await signUp('owner');
    const theirs = (await owner.api.auth.me.query()).activeOrganization;
    if (!theirs) throw new Error('sign-up gave no active organization');
    const outsider = await signUp('outsider');

    const viaHeader = await apiError(() =>
      client({ token: outsider.session.token, organization: theirs.id }).organizations.get.query(),
    );
    expect(viaHeader).toMatchObject({ code: 'ORGANIZATION_NOT_FOUND', httpStatus: 404 });

    const viaSlug = await apiError(() =>
      client({ token: outsider.session.token, organization: theirs.slug }).organizations.get.query(),
    );
    expect(viaSlug.code).toBe('ORGANIZATION_NOT_FOUND');

    // Exactly what an organization that does not exist gets, so nothing leaks about other tenants.
    const missing = await apiError(() =>
      client({
        token: outsider.session.token,
        organization: '00000000-0000-7000-8000-000000000000',
      }).organizations.get.query(),
    );
    expect(missing).toMatchObject({
      code: viaHeader.code,
      httpStatus: viaHeader.httpStatus,
      message: viaHeader.message,
    });

    const viaSwitch = await apiError(() => outsider.api.organizations.switch.mutate({ organization: theirs.id }));
    expect(viaSwitch).toMatchObject({ code: 'ORGANIZATION_NOT_FOUND', httpStatus: 404, field: 'organization' });
    // The outsider's own session is untouched.
    expect((await outsider.api.auth.me.query()).activeOrganization?.id).not.toBe(theirs.id);
  });
});

describe('errors', () => {
  it('answers EMAIL_TAKEN, on the email field, for a second sign-up with the same email', async () => {
    const { email } = await signUp('taken');
    const error = await apiError(() =>
      client().auth.signUp.mutate({ email, password: 'another good password', name: 'Again' }),
    );
    expect(error).toMatchObject({ code: 'EMAIL_TAKEN', httpStatus: 409, field: 'email' });
  });

  it('answers VALIDATION_FAILED, with the field and the issues, for a bad email', async () => {
    const error = await apiError(() =>
      client().auth.signUp.mutate({ email: 'not-an-email', password: PASSWORD, name: 'Bad' }),
    );
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', httpStatus: 400, field: 'email' });
    expect(error.issues).toEqual([expect.objectContaining({ path: 'email', message: expect.any(String) })]);
  });

  it('answers UNAUTHENTICATED without a token, and with a token the server does not know', async () => {
    const anonymous = await apiError(() => client().auth.me.query());
    expect(anonymous).toMatchObject({ code: 'UNAUTHENTICATED', httpStatus: 401 });

    const unknown = await apiError(() => client({ token: 'not-a-session-token' }).organizations.list.query());
    expect(unknown).toMatchObject({ code: 'UNAUTHENTICATED', httpStatus: 401 });
  });

  it('answers INVALID_CREDENTIALS for a wrong password', async () => {
    const { email } = await signUp('wrong-password');
    const error = await apiError(() => client().auth.signIn.mutate({ email, password: 'not the password' }));
    expect(error).toMatchObject({ code: 'INVALID_CREDENTIALS', httpStatus: 401 });
  });

  it('answers NETWORK_ERROR when nothing listens at baseUrl', async () => {
    // A port that was free a moment ago and is closed again.
    const port = await new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(address)));
      });
    });
    const error = await apiError(() => createStrictOpsClient({ baseUrl: `http://127.0.0.1:${port}` }).auth.me.query());
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', httpStatus: 0 });
  });
});

describe('a deploy token in a script', () => {
  it('triggers a deployment, shows in the audit log as that token, and fails at once when revoked', async () => {
    const admin = await signUp('deployer');
    const project = await admin.api.projects.create.mutate({ name: 'Scripted' });
    const { token, apiToken } = await admin.api.apiTokens.create.mutate({
      name: 'ci deploy',
      scopes: ['read', 'deploy'],
    });

    // The script knows only the token: no session, no organization header.
    const script = client({ token });
    const { deployment } = await script.deployments.create.mutate({
      projectId: project.id,
      environment: 'staging',
      ref: 'main',
      idempotencyKey: unique('ci-run'),
    });
    expect(deployment).toMatchObject({ status: 'queued', triggeredBy: { type: 'api_token', id: apiToken.id } });
    // A deploy token cannot administer the organization.
    expect((await apiError(() => script.organizations.update.mutate({ name: 'nope' }))).code).toBe('PERMISSION_DENIED');

    const log = await admin.api.auditEvents.list.query({ action: 'deployment.created' });
    expect(log.items[0]).toMatchObject({
      actor: { type: 'api_token', id: apiToken.id },
      target: { id: deployment.id },
    });

    await admin.api.apiTokens.revoke.mutate({ id: apiToken.id });
    expect((await apiError(() => script.deployments.list.query())).code).toBe('UNAUTHENTICATED');
    expect((await admin.api.auditEvents.verify.query()).ok).toBe(true);
  });
});

describe('team management through the SDK', () => {
  it('invites a colleague, who signs up through the link as customer; the admin promotes and removes them', async () => {
    const admin = await signUp('team-admin');
    const email = `${unique('colleague')}@example.com`;
    await admin.api.invitations.create.mutate({ email, role: 'customer' });
    const link = new URL(mailer.outbox.findLast((m) => m.to === email)?.acceptUrl as string);
    const token = link.searchParams.get('token') as string;

    const preview = await client().invitations.lookup.query({ token });
    expect(preview).toMatchObject({ role: 'customer' });
    const colleague = await client().auth.signUp.mutate({
      email,
      password: PASSWORD,
      name: 'Colleague',
      invitationToken: token,
    });
    const asColleague = client({ token: colleague.session.token });
    const me = await asColleague.auth.me.query();
    expect(me.activeOrganization).toMatchObject({ role: 'customer' });

    const members = await admin.api.members.list.query();
    const membership = members.items.find((m) => m.email === email);
    await admin.api.members.updateRole.mutate({ id: membership?.id as string, role: 'strictops_admin' });
    expect((await asColleague.organizations.get.query()).role).toBe('strictops_admin');
    await admin.api.members.updateRole.mutate({ id: membership?.id as string, role: 'customer' });
    await admin.api.members.remove.mutate({ id: membership?.id as string });
    // The colleague's next request no longer reaches the organization.
    const after = await asColleague.auth.me.query();
    expect(after.memberships.map((m) => m.id)).not.toContain(me.activeOrganization?.id);
    expect((await apiError(() => admin.api.members.leave.mutate())).code).toBe('LAST_ADMIN');
  });
});

describe('an example deploy worker', () => {
  /**
   * What a deploy worker does, through the SDK with its service credential: claim the oldest queued
   * deployment of any organization, do the work, report the outcome; stop when nothing is queued.
   */
  async function runWorker(workerId: string, handled: string[]) {
    const worker = deployWorker();
    for (;;) {
      const { organizationId, deployment } = await worker.internal.deployments.claim.mutate({ workerId });
      if (!deployment || !organizationId) return;
      handled.push(deployment.id);
      await worker.internal.deployments.report.mutate({
        organizationId,
        deploymentId: deployment.id,
        status: 'succeeded',
        message: `deployed by ${workerId}`,
      });
    }
  }

  it('two workers racing for work complete every deployment exactly once', async () => {
    const admin = await signUp('worker-race');
    await orm.em
      .getConnection()
      .execute(`update "organization" set tier = 'ENTERPRISE' where id = ?`, [
        (await admin.api.organizations.get.query()).id,
      ]);
    const project = await admin.api.projects.create.mutate({ name: 'Worked' });
    const queued = [];
    for (let i = 0; i < 8; i++) {
      queued.push(
        (await admin.api.deployments.create.mutate({ projectId: project.id, environment: 'staging', ref: `r${i}` }))
          .deployment.id,
      );
    }
    const first: string[] = [];
    const second: string[] = [];
    await Promise.all([runWorker('worker-1', first), runWorker('worker-2', second)]);
    const handled = [...first, ...second];
    expect(new Set(handled).size).toBe(handled.length);
    expect(handled).toEqual(expect.arrayContaining(queued));
    const history = await admin.api.deployments.list.query({ projectId: project.id, status: 'succeeded' });
    expect(history.items.map((d) => d.id).sort()).toEqual([...queued].sort());
    expect(history.items.every((d) => d.statusMessage?.startsWith('deployed by worker-'))).toBe(true);
  });
});

describe('integrations, end to end', () => {
  // The outside world, answered by msw: AWS STS, GitHub, a Slack workspace and a customer's webhook.
  const ROLE = 'arn:aws:iam::222233334444:role/StrictOpsDeploy';
  const SLACK = 'https://hooks.slack.com/services/T0E2E/B0E2E/e2eslacksecret';
  const HOOK = 'https://hooks.customer.example/strictops';
  // The customer's role as they will create it from the template: its rule is filled in below.
  const roles: RoleRules = {};
  const github = newGithubWorld();
  const received: { url: string; headers: Headers; body: string }[] = [];
  const capture =
    (url: string) =>
    async ({ request }: { request: Request }) => {
      received.push({ url, headers: request.headers, body: await request.text() });
      return HttpResponse.text('ok');
    };
  const outside = setupServer(
    stsHandler(roles),
    ...githubHandlers(github),
    http.post(SLACK, capture(SLACK)),
    http.post(HOOK, capture(HOOK)),
  );
  // Requests to the StrictOps server itself pass through untouched.
  beforeAll(() => outside.listen({ onUnhandledFrame: 'bypass' }));
  afterAll(() => outside.close());

  it('AWS role, GitHub App, Slack and webhook alerts: an admin sets everything up, and a failed deployment is reported', async () => {
    const admin = await signUp('integrations');
    const worker = deployWorker();
    const organizationId = (await admin.api.organizations.get.query()).id;
    // Tiers are the billing service's to set; the deploy worker's secret may not.
    await billing().internal.organizations.setTier.mutate({ organizationId, tier: 'STARTER' });

    // AWS: a connection, its template, the role verified through STS, a project deploying through it.
    const { connection, template, consoleUrl } = await admin.api.awsConnections.create.mutate({ name: 'Production' });
    const document = JSON.parse(template);
    expect(document.Resources.StrictOpsDeployRole.Properties.AssumeRolePolicyDocument.Statement[0]).toMatchObject({
      Principal: { AWS: `arn:aws:iam::${TEST_AWS.accountId}:root` },
      Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
    });
    expect(document.Parameters.ExternalId.Default).toBe(connection.externalId);
    expect(consoleUrl).toContain('cloudformation');
    roles[ROLE] = { externalId: connection.externalId };
    const verified = await admin.api.awsConnections.verify.mutate({ id: connection.id, roleArn: ROLE });
    expect(verified).toMatchObject({ status: 'verified', accountId: '222233334444' });
    const project = await admin.api.projects.create.mutate({ name: unique('shop') });
    const linked = await admin.api.projects.update.mutate({ id: project.id, awsConnectionId: connection.id });
    expect(linked.awsConnectionId).toBe(connection.id);

    // GitHub: the signed install link, GitHub's redirect back, the repositories.
    const { installUrl, state } = await admin.api.githubInstallations.beginInstall.mutate();
    expect(installUrl).toContain(`/apps/${TEST_GITHUB.slug}/installations/new?state=`);
    // The admin installs the App on GitHub; GitHub sends them back with an OAuth code for themselves.
    const account = unique('shop-org');
    const installationId = installApp(github, account, 4);
    const installation = await admin.api.githubInstallations.completeInstall.mutate({
      installationId,
      state,
      code: oauthCode(github, `${account}-owner`),
    });
    const repositories = await admin.api.githubInstallations.repositories.query({ id: installation.id });
    expect(repositories.items.map((r) => r.name)).toEqual(['repo-0', 'repo-1', 'repo-2', 'repo-3']);

    // Alerts: Slack and a webhook, each tested; the cloud metadata address is refused.
    const slack = await admin.api.alertChannels.create.mutate({ name: 'Slack #ops', type: 'slack', target: SLACK });
    const hook = await admin.api.alertChannels.create.mutate({ name: 'Pager bridge', type: 'webhook', target: HOOK });
    expect(await admin.api.alertChannels.test.mutate({ id: slack.channel.id })).toEqual({
      ok: true,
      statusCode: 200,
      error: null,
    });
    expect(await admin.api.alertChannels.test.mutate({ id: hook.channel.id })).toEqual({
      ok: true,
      statusCode: 200,
      error: null,
    });
    const metadata = await apiError(() =>
      admin.api.alertChannels.create.mutate({
        name: 'Metadata',
        type: 'webhook',
        target: 'https://169.254.169.254/latest',
      }),
    );
    expect(metadata).toMatchObject({ code: 'UNSAFE_URL', field: 'target' });

    // A deployment fails; the dispatcher delivers the alert, signed with the secret shown at creation.
    const { deployment } = await admin.api.deployments.create.mutate({
      projectId: project.id,
      environment: 'production',
      ref: 'v2',
    });
    for (let i = 0; i < 500; i++) {
      const claimed = await worker.internal.deployments.claim.mutate({ workerId: 'e2e' });
      if (!claimed.deployment || claimed.deployment.id === deployment.id) break;
    }
    await worker.internal.deployments.report.mutate({
      organizationId,
      deploymentId: deployment.id,
      status: 'failed',
      message: 'migration 42 failed',
    });
    received.length = 0;
    await createAlertDispatcher({ orm, mailer, secrets }).runOnce();
    const delivery = received.find((r) => r.url === HOOK);
    if (!delivery) throw new Error('the webhook got nothing');
    const [, timestamp, digest] =
      /^t=(\d+),v1=([0-9a-f]{64})$/.exec(delivery.headers.get('strictops-signature') ?? '') ?? [];
    expect(digest).toBe(
      createHmac('sha256', hook.signingSecret ?? '')
        .update(`${timestamp}.${delivery.body}`)
        .digest('hex'),
    );
    expect(JSON.parse(delivery.body)).toMatchObject({
      type: 'deployment.failed',
      data: { deployment: { id: deployment.id, statusMessage: 'migration 42 failed' } },
    });
    expect(received.find((r) => r.url === SLACK)?.body).toContain('Deployment failed');
    const log = await admin.api.alertChannels.deliveries.query({ id: hook.channel.id });
    expect(log.items.map((d) => [d.event, d.status])).toEqual([
      ['deployment.failed', 'delivered'],
      ['alert.test', 'delivered'],
    ]);
  });
});

/** A client that counts the HTTP requests it makes and keeps their URLs. */
function countingClient(token: string) {
  const requests: { method: string; url: string }[] = [];
  const api = client({
    token,
    fetch: (input, init) => {
      requests.push({ method: init?.method ?? 'GET', url: String(input instanceof Request ? input.url : input) });
      return globalThis.fetch(input, init);
    },
  });
  return { api, requests };
}

/** An organization on ENTERPRISE (no limits in the way) with `projects` projects. */
async function enterpriseWithProjects(label: string, projects: number) {
  const admin = await signUp(label);
  const organizationId = (await admin.api.organizations.get.query()).id;
  await billing().internal.organizations.setTier.mutate({ organizationId, tier: 'ENTERPRISE' });
  const created = [];
  for (let i = 0; i < projects; i++) created.push(await admin.api.projects.create.mutate({ name: unique(`p${i}`) }));
  return { ...admin, organizationId, projects: created };
}

describe('batching that never breaks', () => {
  it('answers 50 different concurrent calls, in batches the server takes', async () => {
    const admin = await enterpriseWithProjects('fifty', 12);
    const { api, requests } = countingClient(admin.session.token);
    const calls: Promise<unknown>[] = [
      api.auth.me.query(),
      api.auth.sessions.query(),
      api.organizations.list.query(),
      api.organizations.get.query(),
      api.organizations.usage.query(),
      api.members.list.query(),
      api.invitations.list.query({ status: 'pending' }),
      api.apiTokens.list.query(),
      api.awsConnections.list.query(),
      api.githubInstallations.list.query(),
      api.alertChannels.list.query(),
      api.auditEvents.list.query({ limit: 5 }),
      api.auditEvents.verify.query(),
      api.deployments.list.query({ status: 'queued' }),
      api.projects.list.query({ limit: 3 }),
      ...admin.projects.flatMap((project) => [
        api.projects.get.query({ id: project.id }),
        api.environments.list.query({ projectId: project.id }),
      ]),
      ...admin.projects.slice(0, 11).map((project) => api.deployments.list.query({ projectId: project.id })),
    ];
    expect(calls).toHaveLength(50);
    const answers = await Promise.all(calls);
    expect(answers.every((answer) => answer !== undefined)).toBe(true);
    // Split where the server needs it: no batch over 20 calls, no URL over 2048 characters.
    expect(requests.length).toBeGreaterThanOrEqual(3);
    for (const { url } of requests) {
      expect(new URL(url).pathname.split('/').at(-1)?.split(',').length).toBeLessThanOrEqual(20);
      expect(url.length).toBeLessThanOrEqual(2048);
    }
  });

  it('validates a 60 KiB strictops.yml (sent by POST, too long for a URL)', async () => {
    const admin = await enterpriseWithProjects('big-config', 1);
    const project = admin.projects[0];
    if (!project) throw new Error('no project');
    let yaml = 'version: 1\nresources:\n  db:\n    kind: database\n    engine: postgres\nservices:\n';
    for (let i = 0; yaml.length < 60 * 1024; i++) {
      yaml += `  service-${i}:\n    type: container\n    build: ./services/service-${i}\n    port: 8080\n    env:\n      LOG_LEVEL: info\n      WORKERS: ${i % 8}\n    resources: [db]\n`;
    }
    expect(yaml.length).toBeGreaterThanOrEqual(60 * 1024);
    const { api, requests } = countingClient(admin.session.token);
    const result = await api.projects.validateConfig.query({ id: project.id, yaml });
    expect(result.problems).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys((result.config?.services ?? {}) as object).length).toBeGreaterThan(300);
    expect(requests).toMatchObject([{ method: 'POST' }]);
  });
});

describe('procedures without input', () => {
  it('are called with nothing at all, and with {} as well', async () => {
    const { api, email } = await signUp('no-input');
    expect((await api.auth.me.query()).user.email).toBe(email);
    expect((await api.auth.me.query({})).user.email).toBe(email);
    expect((await api.projects.list.query()).items).toEqual([]);
  });
});

describe('paginate', () => {
  it('iterates every item of a cursor-paginated list, a page at a time', async () => {
    const admin = await enterpriseWithProjects('pages', 5);
    const { api, requests } = countingClient(admin.session.token);
    const names: string[] = [];
    for await (const project of paginate(api.projects.list, { limit: 2 })) names.push(project.name);
    expect(names.sort()).toEqual(admin.projects.map((p) => p.name).sort());
    // Three pages of two, two and one.
    expect(requests).toHaveLength(3);

    // Breaking out of the loop fetches no further page.
    requests.length = 0;
    for await (const _ of paginate(api.projects.list, { limit: 2 })) break;
    expect(requests).toHaveLength(1);

    // Lists with other cursors (the audit log's sequence numbers) work the same way.
    const events = [];
    for await (const event of paginate(api.auditEvents.list, { limit: 2, action: 'project.created' }))
      events.push(event);
    expect(events).toHaveLength(5);
  });

  it('keeps no listener per page on a signal shared by every page', async () => {
    const admin = await enterpriseWithProjects('signal-pages', 12);
    const { api } = countingClient(admin.session.token);
    const controller = new AbortController();
    let seen = 0;
    for await (const _ of paginate(api.projects.list, { limit: 1 }, { signal: controller.signal })) seen++;
    expect(seen).toBe(12);
    // One listener per page would be 12 closures kept alive (and Node's MaxListenersExceededWarning).
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('errors from the real server', () => {
  it('carry the request id the server logged: the caller’s own, or the one it made up', async () => {
    const given = await apiError(() => client({ headers: { 'x-request-id': 'sdk-e2e-42' } }).auth.me.query());
    expect(given).toMatchObject({ code: 'UNAUTHENTICATED', httpStatus: 401, requestId: 'sdk-e2e-42' });
    const made = await apiError(() => client().auth.me.query());
    expect(made.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('time out after timeoutMs, and stop at once when aborted', async () => {
    const email = `${unique('slow')}@example.com`;
    // Sign-up hashes the password for tens of milliseconds: longer than these allow.
    const timedOut = await apiError(() =>
      client({ timeoutMs: 1 }).auth.signUp.mutate({ email, password: PASSWORD, name: 'Slow' }),
    );
    expect(timedOut).toMatchObject({ code: 'TIMEOUT', httpStatus: 0 });

    const controller = new AbortController();
    const call = client().auth.signUp.mutate(
      { email: `${unique('gone')}@example.com`, password: PASSWORD, name: 'Gone' },
      {
        signal: controller.signal,
      },
    );
    controller.abort();
    expect((await apiError(() => call)).code).toBe('ABORTED');
  });

  it('type details by code: LIMIT_REACHED says the limit, its maximum and the usage', async () => {
    const { api } = await signUp('limits');
    await api.projects.create.mutate({ name: 'One' });
    await api.projects.create.mutate({ name: 'Two' });
    const error = await apiError(() => api.projects.create.mutate({ name: 'Three' }));
    if (!isStrictOpsError(error) || error.code !== 'LIMIT_REACHED') throw new Error(`expected LIMIT_REACHED: ${error}`);
    expect(error.details).toEqual({ limit: 'projects', max: 2, usage: 2, tier: 'FREE' });
    expect(error.httpStatus).toBe(402);
  });
});

describe('the audit export through the SDK', () => {
  it('streams the log as text chunks on a tier that has it', async () => {
    const admin = await enterpriseWithProjects('export', 2);
    const chunks: string[] = [];
    for await (const chunk of await admin.api.auditEvents.export.query({ format: 'ndjson' })) chunks.push(chunk);
    const events = chunks
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { action: string });
    expect(events.filter((event) => event.action === 'project.created')).toHaveLength(2);

    const free = await signUp('export-free');
    expect((await apiError(() => free.api.auditEvents.export.query())).code).toBe('FEATURE_NOT_IN_TIER');
  });
});
