import { Organization } from '@strictops/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestApi, expectError, type TestApi } from '../testing/harness.ts';
import { ENTITLEMENTS, entitlementsOf } from './entitlements.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

const setTier = (
  organizationId: string,
  tier: Organization['tier'],
  limitOverrides: Record<string, number | null> | null = null,
) => api.orm.em.fork().nativeUpdate(Organization, { id: organizationId }, { tier, limitOverrides });

describe('entitlements table', () => {
  it('follows SPEC §5 at each tier', () => {
    expect(ENTITLEMENTS.FREE).toMatchObject({
      members: 3,
      projects: 2,
      activeApiTokens: 2,
      deploymentsPerMonth: 50,
      rateLimitMultiplier: 1,
      auditExport: false,
    });
    expect(ENTITLEMENTS.STARTER).toMatchObject({
      members: 10,
      projects: 10,
      activeApiTokens: 10,
      rateLimitMultiplier: 2,
    });
    expect(ENTITLEMENTS.PROFESSIONAL).toMatchObject({
      members: 50,
      concurrentDeployments: 10,
      auditRetentionDays: 90,
      auditExport: true,
    });
    expect(ENTITLEMENTS.ENTERPRISE).toMatchObject({
      members: null,
      concurrentDeployments: 50,
      auditRetentionDays: 365,
      rateLimitMultiplier: 10,
    });
  });

  it('applies per-organization overrides on ENTERPRISE only, and never to feature flags', () => {
    expect(entitlementsOf({ tier: 'ENTERPRISE', limitOverrides: { projects: 500, auditExport: 0 } })).toMatchObject({
      projects: 500,
      auditExport: true,
    });
    expect(entitlementsOf({ tier: 'FREE', limitOverrides: { projects: 500 } }).projects).toBe(2);
  });
});

describe('API token limit', () => {
  it('refuses the third active token on FREE with limit, usage and tier, and changes nothing', async () => {
    const admin = await api.signUp('limited');
    const call = api.call({ token: admin.token }).apiTokens;
    await call.create({ name: 'one', scopes: ['read'] });
    const second = await call.create({ name: 'two', scopes: ['read'] });
    const error = await expectError(call.create({ name: 'three', scopes: ['read'] }), 'LIMIT_REACHED');
    expect((error.cause as { details?: unknown }).details).toEqual({
      limit: 'activeApiTokens',
      max: 2,
      usage: 2,
      tier: 'FREE',
    });
    expect((await call.list({})).items).toHaveLength(2);
    // A revoked token no longer counts.
    await call.revoke({ id: second.apiToken.id });
    await expect(call.create({ name: 'three', scopes: ['read'] })).resolves.toBeDefined();
  });

  it('keeps existing tokens after a downgrade and blocks only new ones', async () => {
    const admin = await api.signUp('downgrade');
    await setTier(admin.organization.id, 'STARTER');
    const call = api.call({ token: admin.token }).apiTokens;
    for (const name of ['a', 'b', 'c', 'd']) await call.create({ name, scopes: ['read'] });
    await setTier(admin.organization.id, 'FREE');
    expect((await call.list({})).items).toHaveLength(4);
    await expectError(call.create({ name: 'e', scopes: ['read'] }), 'LIMIT_REACHED');
  });

  it.skipIf(inject('embeddedDatabase'))(
    'holds under concurrency: ten parallel creations on FREE create exactly two (real PostgreSQL only)',
    async () => {
      const admin = await api.signUp('racing');
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          api.call({ token: admin.token }).apiTokens.create({ name: `t${i}`, scopes: ['read'] }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      expect((await api.call({ token: admin.token }).apiTokens.list({})).items).toHaveLength(2);
    },
  );
});

describe('organizations.usage', () => {
  it('shows every limit of the tier with its usage', async () => {
    const admin = await api.signUp('usage');
    await api.call({ token: admin.token }).apiTokens.create({ name: 'one', scopes: ['read'] });
    const usage = await api.call({ token: admin.token }).organizations.usage({});
    expect(usage).toMatchObject({ tier: 'FREE', rateLimitMultiplier: 1, auditExport: false, auditRetentionDays: 7 });
    expect(usage.limits).toContainEqual({ name: 'members', limit: 3, usage: 1 });
    expect(usage.limits).toContainEqual({ name: 'activeApiTokens', limit: 2, usage: 1 });
    expect(usage.limits.map((l) => l.name)).toContain('deploymentsPerMonth');
  });
});

describe('member limit', () => {
  it('counts pending invitations: FREE allows the admin and two invitations, not a third', async () => {
    const admin = await api.signUp('member-limit');
    const invite = (email: string) =>
      api
        .call({ token: admin.token })
        .invitations.create({ email: `${email}-${admin.user.id}@example.com`, role: 'customer' });
    await invite('one');
    await invite('two');
    const error = await expectError(invite('three'), 'LIMIT_REACHED');
    expect((error.cause as { details?: unknown }).details).toEqual({
      limit: 'members',
      max: 3,
      usage: 3,
      tier: 'FREE',
    });
    const usage = await api.call({ token: admin.token }).organizations.usage({});
    expect(usage.limits).toContainEqual({ name: 'members', limit: 3, usage: 3 });
  });
});

describe('deployments per month', () => {
  it('refuses the deployment past the month’s allowance, counted from the deployments themselves', async () => {
    const admin = await api.signUp('monthly');
    // ENTERPRISE with a monthly allowance of 2, so the boundary is reached in a few calls.
    await setTier(admin.organization.id, 'ENTERPRISE', { deploymentsPerMonth: 2 });
    const call = api.call({ token: admin.token });
    const project = await call.projects.create({ name: 'monthly' });
    await call.deployments.create({ projectId: project.id, environment: 'dev', ref: 'a' });
    await call.deployments.create({ projectId: project.id, environment: 'dev', ref: 'b' });
    const error = await expectError(
      call.deployments.create({ projectId: project.id, environment: 'dev', ref: 'c' }),
      'LIMIT_REACHED',
    );
    expect((error.cause as { details?: unknown }).details).toEqual({
      limit: 'deploymentsPerMonth',
      max: 2,
      usage: 2,
      tier: 'ENTERPRISE',
    });
  });
});
