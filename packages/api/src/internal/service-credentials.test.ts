// Guards scoped service credentials: each internal service calls only what the policy lists for
// it (the deploy worker cannot set a tier, billing cannot finish a deployment), a refusal changes
// nothing and is recorded naming the service, and a second secret of a service works during rotation.
import { createHash } from 'node:crypto';
import { AuditEvent, Organization } from '@strictops/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../root.ts';
import { createTestApi, expectError, TEST_SECRETS, type TestApi } from '../testing/harness.ts';
import { createContext } from '../trpc/context.ts';
import { createCallerFactory } from '../trpc/init.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

const tierOf = (organizationId: string) =>
  api.orm.em
    .fork()
    .findOneOrFail(Organization, { id: organizationId })
    .then((o) => o.tier);

const serviceEvents = (organizationId: string) =>
  api.inOrganization(organizationId, async (em) =>
    (await em.find(AuditEvent, { actorType: 'service' }, { orderBy: { seq: 'asc' } })).map((e) => ({
      action: e.action,
      actor: e.actorDisplay,
      outcome: e.outcome,
      rule: (e.changes as { rule?: { after?: unknown } } | null)?.rule?.after,
    })),
  );

describe('each service calls only its own procedures', () => {
  it('the deploy worker’s secret cannot raise an organization’s tier; the refusal is recorded there', async () => {
    const admin = await api.signUp('scoped-worker');
    const worker = api.call({ token: api.serviceTokens['deploy-worker'] });
    const error = await expectError(
      worker.internal.organizations.setTier({ organizationId: admin.organization.id, tier: 'ENTERPRISE' }),
      'PERMISSION_DENIED',
    );
    expect(error.message).toMatch(/deploy-worker service may not call internal\.organizations\.setTier/);
    expect(await tierOf(admin.organization.id)).toBe('FREE');
    expect(await serviceEvents(admin.organization.id)).toEqual([
      { action: 'permission.denied', actor: 'service deploy-worker', outcome: 'denied', rule: 'service deploy-worker' },
    ]);
  });

  it('the billing secret cannot claim or finish deployments; billing sets tiers, audited with its name', async () => {
    const admin = await api.signUp('scoped-billing');
    const billing = api.call({ token: api.serviceTokens.billing });
    await expectError(billing.internal.deployments.claim({ workerId: 'billing' }), 'PERMISSION_DENIED');
    await expectError(
      billing.internal.deployments.report({
        organizationId: admin.organization.id,
        deploymentId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
        status: 'succeeded',
      }),
      'PERMISSION_DENIED',
    );
    await billing.internal.organizations.setTier({ organizationId: admin.organization.id, tier: 'STARTER' });
    expect(await tierOf(admin.organization.id)).toBe('STARTER');
    expect(await serviceEvents(admin.organization.id)).toEqual([
      { action: 'permission.denied', actor: 'service billing', outcome: 'denied', rule: 'service billing' },
      { action: 'organization.tier_changed', actor: 'service billing', outcome: 'success', rule: undefined },
    ]);
  });

  it('the monitoring secret calls nothing of deployments or tiers', async () => {
    const admin = await api.signUp('scoped-monitoring');
    const monitoring = api.call({ token: api.serviceTokens.monitoring });
    await expectError(monitoring.internal.deployments.claim({ workerId: 'm' }), 'PERMISSION_DENIED');
    await expectError(
      monitoring.internal.organizations.setTier({ organizationId: admin.organization.id, tier: 'ENTERPRISE' }),
      'PERMISSION_DENIED',
    );
    expect(await tierOf(admin.organization.id)).toBe('FREE');
  });
});

describe('rotation', () => {
  it('accepts either of a service’s two secrets, each acting as that service', async () => {
    const admin = await api.signUp('rotation');
    const sha = (secret: string) => createHash('sha256').update(secret).digest('hex');
    const [oldSecret, newSecret] = ['billing-old-secret-0123456789abcdef012', 'billing-new-secret-0123456789abcdef012'];
    const credentials = [
      { name: 'billing', secretSha256: sha(oldSecret) },
      { name: 'billing', secretSha256: sha(newSecret) },
    ];
    const call = (secret: string) =>
      createCallerFactory(appRouter)(
        createContext(
          { orm: api.orm, secrets: TEST_SECRETS, serviceCredentials: credentials },
          {
            requestId: 'rotation',
            ip: null,
            userAgent: null,
            bearerToken: secret,
            cookieToken: null,
            organization: null,
          },
          { setSessionCookie() {}, clearSessionCookie() {}, setHeader() {} },
        ),
      );
    await call(oldSecret).internal.organizations.setTier({ organizationId: admin.organization.id, tier: 'STARTER' });
    await call(newSecret).internal.organizations.setTier({
      organizationId: admin.organization.id,
      tier: 'PROFESSIONAL',
    });
    expect(await tierOf(admin.organization.id)).toBe('PROFESSIONAL');
    await expectError(
      call('billing-gone-secret-0123456789abcdef01').internal.organizations.setTier({
        organizationId: admin.organization.id,
        tier: 'ENTERPRISE',
      }),
      'UNAUTHENTICATED',
    );
  });
});
