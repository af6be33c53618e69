/**
 * The shared cross-tenant suite. Every procedure of the router is called as anonymous, and every
 * organization procedure as a member of another organization and as each role of the organization
 * it targets. Another tenant's member gets NOT_FOUND, a role the policy excludes gets FORBIDDEN,
 * anonymous gets UNAUTHORIZED, and none of those calls changes anything. A new procedure fails the
 * first test until it is given a sample input below.
 */

import { AuditEvent, Membership, Organization } from '@strictops/db';
import type { AnyProcedure } from '@trpc/server';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { can } from './policy.ts';
import { RATE_CLASSES } from './rate-limits/rate-limits.ts';
import { appRouter } from './root.ts';
import { stsHandler } from './testing/aws-sts.ts';
import { githubHandlers, installApp, newGithubWorld, oauthCode } from './testing/github-api.ts';
import {
  createTestApi,
  expectError,
  serviceTokenFor,
  snapshotOrganization,
  type TestApi,
  unique,
} from './testing/harness.ts';
import type { ProcedureMeta } from './trpc/meta.ts';
import { rateClassOf } from './trpc/rate-limit.ts';

type Fixture = {
  organizationId: string;
  organizationSlug: string;
  /** The customer's membership, a token of theirs and a pending invitation, all of the target organization. */
  customerMembershipId: string;
  customerTokenId: string;
  invitationId: string;
  /** A project with its default environments (dev: unprotected) and a queued deployment to dev. */
  projectId: string;
  devEnvironmentId: string;
  deploymentId: string;
  /** An environment and a project with no deployments, which the delete samples may remove. */
  scratchEnvironmentId: string;
  scratchProjectId: string;
  /** A pending AWS connection. */
  awsConnectionId: string;
  /** A linked GitHub installation (our id, GitHub's id) and the install state its admin completed it with. */
  githubInstallationId: string;
  githubAppInstallationId: number;
  installState: string;
  /** An unused OAuth code of the installation's GitHub user: completing again relinks (an update). */
  githubCode: string;
  /**
   * An enabled email alert channel (its test alerts land in the test mailer), routed critical
   * alerts only: the samples raise warnings, so the suite leaves nothing in the shared outbox for
   * another test file's dispatcher to send.
   */
  alertChannelId: string;
  /** An open monitoring alert (a warning) and its dedup key. */
  alertId: string;
  alertDedupKey: string;
};

const NO_SUCH_TOKEN = 'n'.repeat(43);

// AWS STS and GitHub are answered by msw here, as everywhere: no test reaches the internet.
const SAMPLE_ROLE = 'arn:aws:iam::222222222222:role/StrictOpsDeploy';
const github = newGithubWorld();
const sts = setupServer(stsHandler({}), ...githubHandlers(github));
beforeAll(() => sts.listen({ onUnhandledFrame: 'error' }));
afterAll(() => sts.close());

/** A valid input for every procedure, as its legitimate caller would send it. */
const SAMPLE_INPUTS: Record<string, (fixture: Fixture) => unknown> = {
  'auth.signUp': () => ({ email: `${unique('sample')}@example.com`, password: 'correct horse battery', name: 'S' }),
  'auth.signIn': () => ({ email: 'nobody@example.com', password: 'whatever123' }),
  'auth.signOut': () => ({}),
  'auth.signOutEverywhere': () => ({}),
  'auth.me': () => ({}),
  'auth.sessions': () => ({}),
  'auth.revokeSession': () => ({ id: '0'.repeat(64) }),
  'organizations.list': () => ({}),
  'organizations.create': () => ({ name: 'Sample' }),
  'organizations.get': () => ({}),
  'organizations.update': () => ({ name: 'Renamed by the suite' }),
  'organizations.switch': (f) => ({ organization: f.organizationId }),
  'organizations.usage': () => ({}),
  'organizations.delete': (f) => ({ confirmSlug: f.organizationSlug }),
  'members.list': () => ({}),
  'members.updateRole': (f) => ({ id: f.customerMembershipId, role: 'strictops_admin' }),
  'members.remove': (f) => ({ id: f.customerMembershipId }),
  'members.leave': () => ({}),
  'invitations.create': () => ({ email: `${unique('invitee')}@example.com`, role: 'customer' }),
  'invitations.list': () => ({}),
  'invitations.revoke': (f) => ({ id: f.invitationId }),
  'invitations.resend': (f) => ({ id: f.invitationId }),
  'invitations.lookup': () => ({ token: NO_SUCH_TOKEN }),
  'invitations.accept': () => ({ token: NO_SUCH_TOKEN }),
  'projects.create': () => ({ name: unique('Sample project') }),
  'projects.list': () => ({}),
  'projects.get': (f) => ({ id: f.projectId }),
  'projects.update': (f) => ({ id: f.projectId, name: 'Renamed project' }),
  'projects.delete': (f) => ({ id: f.scratchProjectId }),
  'projects.validateConfig': (f) => ({ id: f.projectId, yaml: 'version: 1\n' }),
  'projects.applyConfig': (f) => ({ id: f.projectId, yaml: `version: 1\nproject: { name: "${unique('applied')}" }\n` }),
  'projects.stackPlan': (f) => ({ projectId: f.projectId, environment: 'production' }),
  // The fixture's project has no services or resources: no environment's stacks change, so a
  // customer may change it too (a protected environment whose stacks change needs an admin).
  'projects.updateStacks': (f) => ({ id: f.projectId, strategy: 'split-stateful' }),
  'environments.create': (f) => ({ projectId: f.projectId, name: 'qa' }),
  'environments.list': (f) => ({ projectId: f.projectId }),
  'environments.update': (f) => ({ id: f.devEnvironmentId, name: 'development' }),
  'environments.delete': (f) => ({ id: f.scratchEnvironmentId }),
  'deployments.create': (f) => ({ projectId: f.projectId, environment: 'staging', ref: 'main' }),
  'deployments.list': () => ({}),
  'deployments.get': (f) => ({ id: f.deploymentId }),
  'deployments.cancel': (f) => ({ id: f.deploymentId }),
  'awsConnections.create': () => ({ name: 'Sample' }),
  'awsConnections.verify': (f) => ({ id: f.awsConnectionId, roleArn: SAMPLE_ROLE }),
  'awsConnections.list': () => ({}),
  'awsConnections.get': (f) => ({ id: f.awsConnectionId }),
  'awsConnections.delete': (f) => ({ id: f.awsConnectionId }),
  'githubInstallations.beginInstall': () => ({}),
  'githubInstallations.completeInstall': (f) => ({
    installationId: f.githubAppInstallationId,
    state: f.installState,
    code: f.githubCode,
  }),
  'githubInstallations.list': () => ({}),
  'githubInstallations.repositories': (f) => ({ id: f.githubInstallationId }),
  'githubInstallations.disconnect': (f) => ({ id: f.githubInstallationId }),
  'alertChannels.create': () => ({ name: unique('Sample channel'), type: 'email', target: 'alerts@example.com' }),
  'alertChannels.update': (f) => ({ id: f.alertChannelId, enabled: false }),
  'alertChannels.delete': (f) => ({ id: f.alertChannelId }),
  'alertChannels.list': () => ({}),
  'alertChannels.test': (f) => ({ id: f.alertChannelId }),
  'alertChannels.deliveries': (f) => ({ id: f.alertChannelId }),
  'internal.deployments.claim': () => ({ workerId: 'suite' }),
  'internal.deployments.report': (f) => ({
    organizationId: f.organizationId,
    deploymentId: f.deploymentId,
    status: 'cancelled',
  }),
  'internal.organizations.setTier': (f) => ({ organizationId: f.organizationId, tier: 'PROFESSIONAL' }),
  'internal.alerts.raise': (f) => ({
    organizationId: f.organizationId,
    projectId: f.projectId,
    environment: 'dev',
    severity: 'warning',
    title: 'Sample alert',
    dedupKey: unique('sample-alert'),
    source: 'suite',
  }),
  'internal.alerts.resolve': (f) => ({ organizationId: f.organizationId, dedupKey: f.alertDedupKey }),
  'alerts.list': () => ({}),
  'alerts.get': (f) => ({ id: f.alertId }),
  'alerts.acknowledge': (f) => ({ id: f.alertId }),
  'apiTokens.create': () => ({ name: 'Sample', scopes: ['read'] }),
  'apiTokens.list': () => ({}),
  'apiTokens.revoke': (f) => ({ id: f.customerTokenId }),
  'auditEvents.list': () => ({ limit: 10 }),
  'auditEvents.verify': () => ({}),
  'auditEvents.export': () => ({ format: 'ndjson' }),
};

const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>).map(
  ([path, procedure]) => {
    const meta = (procedure._def.meta ?? {}) as ProcedureMeta;
    return { path, type: procedure._def.type, meta, isPublic: meta.openapi?.protect === false };
  },
);
const organizationProcedures = procedures.filter((p) => p.meta.permission);

async function invoke(api: TestApi, path: string, auth: Parameters<TestApi['call']>[0], input: unknown) {
  // Walk the caller one segment at a time: routers nest (internal.deployments.claim).
  let target: unknown = api.call(auth);
  for (const segment of path.split('.')) target = (target as Record<string, unknown>)[segment];
  if (typeof target !== 'function') throw new Error(`no procedure ${path}`);
  return (target as (input: unknown) => Promise<unknown>)(input);
}

let api: TestApi;
let fixture: Fixture;
let customerToken: string;
let outsiderToken: string;

let customer: Awaited<ReturnType<TestApi['signUp']>>;

const membershipIdOf = async (organizationId: string, userId: string) =>
  (await api.inOrganization(organizationId, (em) => em.findOne(Membership, { user: userId })))?.id;

/**
 * An organization with two admins (so that one may leave), a customer, a token of the customer's
 * and a pending invitation, as the samples need.
 */
async function buildFixture(admin: { token: string; organization: { id: string; slug: string } }) {
  // Unlimited, so the fixture's members and invitation never meet a FREE limit.
  await api.orm.em.fork().nativeUpdate(Organization, { id: admin.organization.id }, { tier: 'ENTERPRISE' });
  await api.memberOf(admin.organization.id, 'strictops_admin', 'second-admin');
  const member = await api.memberOf(admin.organization.id, 'customer');
  const customerApiToken = await api
    .call({ token: member.token, organization: admin.organization.id })
    .apiTokens.create({ name: 'customer token', scopes: ['read'] });
  const invitation = await api
    .call({ token: admin.token, organization: admin.organization.id })
    .invitations.create({ email: `${unique('pending')}@example.com`, role: 'customer' });
  const asAdmin = api.call({ token: admin.token, organization: admin.organization.id });
  const project = await asAdmin.projects.create({ name: unique('fixture project') });
  const dev = project.environments.find((e) => e.name === 'dev');
  const deployment = await asAdmin.deployments.create({ projectId: project.id, environment: 'dev', ref: 'main' });
  const scratchEnvironment = await asAdmin.environments.create({ projectId: project.id, name: 'scratch' });
  const scratchProject = await asAdmin.projects.create({ name: unique('scratch project') });
  const connection = await asAdmin.awsConnections.create({ name: unique('aws') });
  const alertChannel = await asAdmin.alertChannels.create({
    name: 'On call',
    type: 'email',
    target: 'oncall@example.com',
    routing: { severities: ['critical'] },
  });
  const alertDedupKey = unique('fixture-alert');
  const { alert } = await api.call({ token: api.serviceTokens.monitoring }).internal.alerts.raise({
    organizationId: admin.organization.id,
    severity: 'warning',
    title: 'Fixture alert',
    dedupKey: alertDedupKey,
    source: 'suite',
  });
  const { state: installState } = await asAdmin.githubInstallations.beginInstall({});
  const githubLogin = unique('fixture');
  const githubAppInstallationId = installApp(github, githubLogin);
  const installation = await asAdmin.githubInstallations.completeInstall({
    installationId: githubAppInstallationId,
    state: installState,
    code: oauthCode(github, `${githubLogin}-owner`),
  });
  const fixture: Fixture = {
    githubInstallationId: installation.id,
    githubAppInstallationId,
    installState,
    githubCode: oauthCode(github, `${githubLogin}-owner`),
    alertChannelId: alertChannel.channel.id,
    alertId: alert.id,
    alertDedupKey,
    awsConnectionId: connection.connection.id,
    scratchEnvironmentId: scratchEnvironment.id,
    scratchProjectId: scratchProject.id,
    projectId: project.id,
    devEnvironmentId: dev?.id as string,
    deploymentId: deployment.deployment.id,
    organizationId: admin.organization.id,
    organizationSlug: admin.organization.slug,
    customerMembershipId: (await membershipIdOf(admin.organization.id, member.user.id)) as string,
    customerTokenId: customerApiToken.apiToken.id,
    invitationId: invitation.id,
  };
  return { fixture, customer: member };
}

beforeAll(async () => {
  api = await createTestApi();
  const built = await buildFixture(await api.signUp('tenant-a-admin'));
  fixture = built.fixture;
  customer = built.customer;
  customerToken = customer.token;
  outsiderToken = (await api.signUp('tenant-b-admin')).token;
});

// A customer may call members.leave, which ends their membership: put them back for the next cell.
afterEach(async () => {
  if (!(await membershipIdOf(fixture.organizationId, customer.user.id))) {
    await api.addMember(fixture.organizationId, customer.user.id, 'customer');
    fixture.customerMembershipId = (await membershipIdOf(fixture.organizationId, customer.user.id)) as string;
  }
});

afterAll(() => api.close());

describe('cross-tenant suite', () => {
  it('has a sample input for every procedure', () => {
    const missing = procedures.map((p) => p.path).filter((path) => !SAMPLE_INPUTS[path]);
    expect(missing).toEqual([]);
  });

  it('gives every procedure a rate-limit class, and every public one the auth class', () => {
    for (const p of procedures) {
      // Subscriptions would go uncounted: every procedure is a query or a mutation.
      expect(['query', 'mutation'], p.path).toContain(p.type);
      expect(RATE_CLASSES, p.path).toContain(rateClassOf(p.type, p.meta));
      if (p.isPublic) expect(p.meta.rateLimit, p.path).toBe('auth');
    }
  });

  it('gives every organization procedure a permission from the policy', () => {
    expect(organizationProcedures.length).toBeGreaterThan(0);
    for (const p of organizationProcedures) expect(can('strictops_admin', p.meta.permission as never)).toBe(true);
  });

  describe.each(procedures.filter((p) => !p.isPublic))('$path', ({ path }) => {
    it('anonymous gets UNAUTHORIZED and changes nothing', async () => {
      const before = await snapshotOrganization(api.orm, fixture.organizationId);
      await expectError(invoke(api, path, {}, SAMPLE_INPUTS[path]?.(fixture)), 'UNAUTHENTICATED');
      expect(await snapshotOrganization(api.orm, fixture.organizationId)).toEqual(before);
    });
  });

  describe.each(organizationProcedures)('$path', ({ path, meta }) => {
    it.each(['id', 'slug'] as const)(
      'a member of another organization naming it by %s gets NOT_FOUND and changes nothing',
      async (key) => {
        const before = await snapshotOrganization(api.orm, fixture.organizationId);
        const organization = key === 'id' ? fixture.organizationId : fixture.organizationSlug;
        await expectError(
          invoke(api, path, { token: outsiderToken, organization }, SAMPLE_INPUTS[path]?.(fixture)),
          'ORGANIZATION_NOT_FOUND',
        );
        expect(await snapshotOrganization(api.orm, fixture.organizationId)).toEqual(before);
      },
    );

    const customerMay = can('customer', meta.permission as never);
    it(`a customer ${customerMay ? 'may call it' : 'gets FORBIDDEN and changes nothing'}`, async () => {
      const before = await snapshotOrganization(api.orm, fixture.organizationId);
      const call = invoke(
        api,
        path,
        { token: customerToken, organization: fixture.organizationId },
        SAMPLE_INPUTS[path]?.(fixture),
      );
      if (customerMay) {
        await expect(call).resolves.toBeDefined();
      } else {
        await expectError(call, 'PERMISSION_DENIED');
        expect(await snapshotOrganization(api.orm, fixture.organizationId)).toEqual(before);
      }
    });
  });
});

type EventWhere = { targetId?: string; action?: string; occurredAt?: { $gte: Date } };

/** How to call a mutation whose event goes elsewhere (its `meta.auditLog`), and where to find the event. */
type AuditElsewhere = {
  /** The input, and whatever it needs prepared, when the fixture's sample will not do. */
  prepare?: (admin: { email: string }) => Promise<unknown>;
  /** The organization whose log the meta names, read from the call's result. */
  organizationOf: (result: unknown) => Promise<string>;
  /** The one event to find there, where that log may be written by others at the same time. */
  event?: (result: unknown) => EventWhere;
};

const AUDIT_ELSEWHERE: Record<string, AuditElsewhere> = {
  'auth.signUp': {
    organizationOf: async (result) => {
      const { user } = result as { user: { id: string } };
      const memberships = await api.asUser(user.id, (em) =>
        em.execute('select organization_id from "membership" where user_id = ?', [user.id]),
      );
      return (memberships[0] as { organization_id: string }).organization_id;
    },
  },
  'organizations.create': { organizationOf: async (result) => (result as { id: string }).id },
  // Accepting an invitation is recorded in the organization that sent it.
  'invitations.accept': {
    prepare: async (admin) => {
      const host = await api.signUp('inviting-host');
      await api.call({ token: host.token }).invitations.create({ email: admin.email, role: 'customer' });
      return { token: await api.tokenSentTo(admin.email) };
    },
    organizationOf: async (result) => (result as { id: string }).id,
  },
  // A claim takes the oldest queued deployment of any organization, maybe another test file's.
  'internal.deployments.claim': {
    organizationOf: async (result) => (result as { organizationId: string }).organizationId,
    event: (result) => ({
      targetId: (result as { deployment: { id: string } }).deployment.id,
      action: 'deployment.started',
    }),
  },
};

describe('every mutation writes an audit event', () => {
  const mutations = procedures.filter((p) => p.type === 'mutation' && p.meta.auditLog !== 'none');

  it('knows where to find the event of every mutation whose meta says it goes elsewhere', () => {
    const elsewhere = mutations.filter((p) => p.meta.auditLog).map((p) => p.path);
    expect(Object.keys(AUDIT_ELSEWHERE).sort()).toEqual(elsewhere.sort());
  });

  it.each(mutations.map((p) => [p.path, p.meta.auditLog ?? 'organization'] as const))(
    '%s (in the %s log)',
    async (path) => {
      const admin = await api.signUp('audited-admin');
      const { fixture: own } = await buildFixture(admin);
      const events = (organizationId: string, where: EventWhere = {}) =>
        api.inOrganization(organizationId, (em) => em.count(AuditEvent, { outcome: 'success', ...where }));
      const elsewhere = AUDIT_ELSEWHERE[path];
      const input = elsewhere?.prepare ? await elsewhere.prepare(admin) : SAMPLE_INPUTS[path]?.(own);
      const before = await events(own.organizationId);
      const startedAt = new Date();
      const result = await invoke(
        api,
        path,
        path.startsWith('internal.')
          ? { token: serviceTokenFor(path) }
          : { token: admin.token, organization: elsewhere?.prepare ? null : own.organizationId },
        input,
      );
      if (!elsewhere) {
        expect(await events(own.organizationId)).toBeGreaterThan(before);
        return;
      }
      const organizationId = await elsewhere.organizationOf(result);
      const since = { occurredAt: { $gte: startedAt }, ...elsewhere.event?.(result) };
      if (elsewhere.event) expect(await events(organizationId, since)).toBe(1);
      else expect(await events(organizationId, since)).toBeGreaterThan(0);
    },
  );
});
