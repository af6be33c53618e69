import { Deployment, Organization } from '@strictops/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestApi, expectError, type TestApi } from '../testing/harness.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

async function projectOf(label: string, tier: Organization['tier'] = 'STARTER') {
  const admin = await api.signUp(label);
  await api.orm.em.fork().nativeUpdate(Organization, { id: admin.organization.id }, { tier });
  const project = await api.call({ token: admin.token }).projects.create({ name: label });
  return { admin, project, call: api.call({ token: admin.token }) };
}

describe('deployments.create', () => {
  it('queues a deployment recorded with the actor who triggered it', async () => {
    const { admin, project, call } = await projectOf('queue');
    const { deployment, replayed } = await call.deployments.create({
      projectId: project.id,
      environment: 'staging',
      ref: 'main',
      commitSha: 'abc1234',
    });
    expect(replayed).toBe(false);
    expect(deployment).toMatchObject({
      status: 'queued',
      ref: 'main',
      commitSha: 'abc1234',
      triggeredBy: { type: 'user', id: admin.user.id },
    });
  });

  it('to a protected environment needs strictops_admin', async () => {
    const { admin, project } = await projectOf('protected');
    const customer = await api.memberOf(admin.organization.id, 'customer');
    const asCustomer = api.call({ token: customer.token, organization: admin.organization.id });
    await expectError(
      asCustomer.deployments.create({ projectId: project.id, environment: 'production', ref: 'main' }),
      'PERMISSION_DENIED',
    );
    await expect(
      asCustomer.deployments.create({ projectId: project.id, environment: 'staging', ref: 'main' }),
    ).resolves.toBeDefined();
    await expect(
      api
        .call({ token: admin.token })
        .deployments.create({ projectId: project.id, environment: 'production', ref: 'main' }),
    ).resolves.toBeDefined();
  });

  it('replays the first deployment for the same idempotency key and input, and refuses other input', async () => {
    const { project, call } = await projectOf('idempotent');
    const input = { projectId: project.id, environment: 'dev', ref: 'main', idempotencyKey: 'deploy-42' };
    const first = await call.deployments.create(input);
    const again = await call.deployments.create(input);
    expect(again).toEqual({ deployment: first.deployment, replayed: true });
    await expectError(call.deployments.create({ ...input, ref: 'other' }), 'IDEMPOTENCY_KEY_REUSED');
    expect((await call.deployments.list({ projectId: project.id })).items).toHaveLength(1);
  });

  it.skipIf(inject('embeddedDatabase'))(
    'creates exactly one for concurrent duplicates (real PostgreSQL only)',
    async () => {
      const { admin, project } = await projectOf('concurrent', 'ENTERPRISE');
      const input = { projectId: project.id, environment: 'dev', ref: 'main', idempotencyKey: 'same-key' };
      const results = await Promise.all(
        Array.from({ length: 10 }, () => api.call({ token: admin.token }).deployments.create(input)),
      );
      expect(new Set(results.map((r) => r.deployment.id)).size).toBe(1);
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect(
        await api.inOrganization(admin.organization.id, (em) => em.count(Deployment, { idempotencyKey: 'same-key' })),
      ).toBe(1);
    },
  );

  it('holds the concurrent and monthly limits', async () => {
    const { admin, project, call } = await projectOf('limits', 'FREE');
    const { deployment } = await call.deployments.create({ projectId: project.id, environment: 'dev', ref: 'a' });
    const error = await expectError(
      call.deployments.create({ projectId: project.id, environment: 'dev', ref: 'b' }),
      'LIMIT_REACHED',
    );
    expect((error.cause as { details?: { limit?: string } }).details?.limit).toBe('concurrentDeployments');
    await call.deployments.cancel({ id: deployment.id });
    await expect(
      call.deployments.create({ projectId: project.id, environment: 'dev', ref: 'b' }),
    ).resolves.toBeDefined();
    const usage = await api.call({ token: admin.token }).organizations.usage({});
    expect(usage.limits).toContainEqual({ name: 'deploymentsPerMonth', limit: 50, usage: 2 });
  });

  it('refuses an unknown environment and bad input clearly', async () => {
    const { project, call } = await projectOf('bad');
    await expectError(
      call.deployments.create({ projectId: project.id, environment: 'nowhere', ref: 'main' }),
      'ENVIRONMENT_NOT_FOUND',
    );
    await expectError(
      call.deployments.create({ projectId: project.id, environment: 'dev', ref: '' }),
      'VALIDATION_FAILED',
    );
    await expectError(
      call.deployments.create({ projectId: project.id, environment: 'dev', ref: 'x', commitSha: 'not-hex' }),
      'VALIDATION_FAILED',
    );
    await expectError(call.deployments.get({ id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' }), 'DEPLOYMENT_NOT_FOUND');
  });
});

describe('status machine and workers', () => {
  it('a worker claims the oldest queued deployment, reports success, and a finished one cannot change', async () => {
    const { admin, project, call } = await projectOf('worker', 'ENTERPRISE');
    const { deployment } = await call.deployments.create({ projectId: project.id, environment: 'dev', ref: 'main' });
    const worker = api.call({ token: api.serviceToken });
    // Claim until this test's deployment comes up (other tests' queued deployments may be older).
    let claimed: Awaited<ReturnType<typeof worker.internal.deployments.claim>> | undefined;
    for (let i = 0; i < 500; i++) {
      claimed = await worker.internal.deployments.claim({ workerId: 'w1' });
      if (!claimed.deployment || claimed.deployment.id === deployment.id) break;
    }
    expect(claimed?.organizationId).toBe(admin.organization.id);
    expect(claimed?.deployment).toMatchObject({ id: deployment.id, status: 'in_progress' });
    expect((await call.deployments.get({ id: deployment.id })).startedAt).toBeInstanceOf(Date);

    const done = await worker.internal.deployments.report({
      organizationId: admin.organization.id,
      deploymentId: deployment.id,
      status: 'succeeded',
      message: 'deployed in 42 s',
    });
    expect(done).toMatchObject({ status: 'succeeded', statusMessage: 'deployed in 42 s' });
    expect(done.finishedAt).toBeInstanceOf(Date);
    await expectError(call.deployments.cancel({ id: deployment.id }), 'INVALID_TRANSITION');
    const events = await call.auditEvents.list({ targetId: deployment.id });
    expect(events.items.map((e) => [e.action, e.actor.type])).toEqual([
      ['deployment.succeeded', 'service'],
      ['deployment.started', 'service'],
      ['deployment.created', 'user'],
    ]);
  });

  it('internal procedures refuse members, API tokens and a wrong secret', async () => {
    const { admin } = await projectOf('not-a-worker');
    const { token } = await api.call({ token: admin.token }).apiTokens.create({ name: 'x', scopes: ['admin'] });
    for (const credential of [admin.token, token, 'not-the-secret-but-long-enough-to-look-real']) {
      await expectError(
        api.call({ token: credential }).internal.deployments.claim({ workerId: 'x' }),
        'UNAUTHENTICATED',
      );
      await expectError(
        api
          .call({ token: credential })
          .internal.organizations.setTier({ organizationId: admin.organization.id, tier: 'ENTERPRISE' }),
        'UNAUTHENTICATED',
      );
    }
  });

  it('billing sets the tier; only ENTERPRISE carries overrides; members cannot change it', async () => {
    const { admin } = await projectOf('billing', 'FREE');
    const billing = api.call({ token: api.serviceTokens.billing }).internal.organizations;
    await expect(
      billing.setTier({ organizationId: admin.organization.id, tier: 'PROFESSIONAL' }),
    ).resolves.toMatchObject({ tier: 'PROFESSIONAL' });
    expect((await api.call({ token: admin.token }).organizations.usage({})).tier).toBe('PROFESSIONAL');
    await expectError(
      billing.setTier({ organizationId: admin.organization.id, tier: 'STARTER', limitOverrides: { projects: 99 } }),
      'VALIDATION_FAILED',
    );
    await expect(
      billing.setTier({ organizationId: admin.organization.id, tier: 'ENTERPRISE', limitOverrides: { projects: 500 } }),
    ).resolves.toMatchObject({ limitOverrides: { projects: 500 } });
    const usage = await api.call({ token: admin.token }).organizations.usage({});
    expect(usage.limits).toContainEqual({ name: 'projects', limit: 500, usage: 1 });
    await expectError(
      billing.setTier({ organizationId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', tier: 'FREE' }),
      'ORGANIZATION_NOT_FOUND',
    );
  });
});

describe('deployments.list', () => {
  it('filters the history by project, environment, status and time, newest first', async () => {
    const { project, call } = await projectOf('history', 'ENTERPRISE');
    const other = await call.projects.create({ name: 'other' });
    const a = (await call.deployments.create({ projectId: project.id, environment: 'dev', ref: 'a' })).deployment;
    const b = (await call.deployments.create({ projectId: project.id, environment: 'staging', ref: 'b' })).deployment;
    await call.deployments.create({ projectId: other.id, environment: 'dev', ref: 'c' });
    await call.deployments.cancel({ id: a.id, message: 'superseded' });

    const byProject = await call.deployments.list({ projectId: project.id });
    expect(byProject.items.map((d) => d.ref)).toEqual(['b', 'a']);
    expect((await call.deployments.list({ projectId: project.id, status: 'cancelled' })).items).toMatchObject([
      { id: a.id, statusMessage: 'superseded' },
    ]);
    expect((await call.deployments.list({ environmentId: b.environmentId })).items.map((d) => d.id)).toEqual([b.id]);
    expect((await call.deployments.list({ from: new Date(Date.now() + 60_000) })).items).toEqual([]);
    const page = await call.deployments.list({ limit: 2 });
    const rest = await call.deployments.list({ limit: 2, cursor: page.nextCursor ?? undefined });
    expect([...page.items, ...rest.items].map((d) => d.ref)).toEqual(['c', 'b', 'a']);
  });
});
