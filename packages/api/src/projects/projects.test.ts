import { Organization, Project } from '@strictops/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestApi, expectError, type TestApi, unique } from '../testing/harness.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

describe('projects', () => {
  it('start with dev, staging and a protected production', async () => {
    const admin = await api.signUp('projects');
    const project = await api.call({ token: admin.token }).projects.create({ name: 'Shop Front' });
    expect(project.slug).toMatch(/^shop-front/);
    expect(project.environments.map((e) => [e.name, e.protected])).toEqual([
      ['dev', false],
      ['staging', false],
      ['production', true],
    ]);
    expect(project.environments.every((e) => e.latestDeployment === null)).toBe(true);
  });

  it('list with each environment’s latest deployment, paged', async () => {
    const admin = await api.signUp('lister');
    // FREE runs one deployment at a time; this test queues two.
    await api.orm.em.fork().nativeUpdate(Organization, { id: admin.organization.id }, { tier: 'STARTER' });
    const call = api.call({ token: admin.token });
    const a = await call.projects.create({ name: 'A' });
    await call.projects.create({ name: 'B' });
    await call.deployments.create({ projectId: a.id, environment: 'dev', ref: 'v1' });
    const second = await call.deployments.create({ projectId: a.id, environment: 'dev', ref: 'v2' });
    const first = await call.projects.list({ limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.items[0]?.environments.find((e) => e.name === 'dev')?.latestDeployment?.id).toBe(second.deployment.id);
    const next = await call.projects.list({ limit: 1, cursor: first.nextCursor ?? undefined });
    expect(next.items[0]?.name).toBe('B');
    expect(next.nextCursor).toBeNull();
  });

  it('refuse a duplicate slug within the organization, and allow it in another', async () => {
    const admin = await api.signUp('slugs');
    const slug = unique('app').toLowerCase();
    await api.call({ token: admin.token }).projects.create({ name: 'x', slug });
    await expectError(api.call({ token: admin.token }).projects.create({ name: 'y', slug }), 'SLUG_TAKEN');
    const other = await api.signUp('other-org');
    await expect(api.call({ token: other.token }).projects.create({ name: 'z', slug })).resolves.toBeDefined();
  });

  it('cannot be deleted while a deployment is queued or running, and can afterwards', async () => {
    const admin = await api.signUp('deleter');
    const call = api.call({ token: admin.token });
    const project = await call.projects.create({ name: 'Busy' });
    const { deployment } = await call.deployments.create({
      projectId: project.id,
      environment: 'staging',
      ref: 'main',
    });
    await expectError(call.projects.delete({ id: project.id }), 'DEPLOYMENTS_RUNNING');
    await call.deployments.cancel({ id: deployment.id });
    await expect(call.projects.delete({ id: project.id })).resolves.toEqual({ ok: true });
    await expectError(call.projects.get({ id: project.id }), 'PROJECT_NOT_FOUND');
  });

  it('stop at the tier’s limit: the third project on FREE is refused', async () => {
    const admin = await api.signUp('limit');
    const call = api.call({ token: admin.token });
    await call.projects.create({ name: 'one' });
    await call.projects.create({ name: 'two' });
    const error = await expectError(call.projects.create({ name: 'three' }), 'LIMIT_REACHED');
    expect((error.cause as { details?: unknown }).details).toMatchObject({
      limit: 'projects',
      max: 2,
      usage: 2,
      tier: 'FREE',
    });
  });

  it.skipIf(inject('embeddedDatabase'))(
    'hold the limit under concurrency: twenty parallel creations with one project left create exactly one (real PostgreSQL only)',
    async () => {
      const admin = await api.signUp('race');
      const call = api.call({ token: admin.token });
      await call.projects.create({ name: 'existing' });
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => api.call({ token: admin.token }).projects.create({ name: `p${i}` })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await api.inOrganization(admin.organization.id, (em) => em.count(Project, {}))).toBe(2);
    },
  );

  it('a downgrade keeps existing projects and blocks only new ones', async () => {
    const admin = await api.signUp('downgrade');
    await api.orm.em.fork().nativeUpdate(Organization, { id: admin.organization.id }, { tier: 'STARTER' });
    const call = api.call({ token: admin.token });
    for (const name of ['a', 'b', 'c']) await call.projects.create({ name });
    await api.orm.em.fork().nativeUpdate(Organization, { id: admin.organization.id }, { tier: 'FREE' });
    expect((await call.projects.list({})).items).toHaveLength(3);
    await expectError(call.projects.create({ name: 'd' }), 'LIMIT_REACHED');
  });
});
