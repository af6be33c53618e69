// Guards protected environments: only strictops_admin may unprotect, protect, rename or delete one;
// a deleted or renamed protected name stays protected when it is taken again (by the API or
// strictops.yml); a protection added while a deployment waits applies when a worker claims it; and
// every refusal is the policy's, recorded in the audit log with the rule that refused.
import { AuditEvent, Deployment, Organization } from '@strictops/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppError } from '../errors.ts';
import { createTestApi, expectError, type TestApi } from '../testing/harness.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

async function team(label: string) {
  const admin = await api.signUp(`${label}-admin`);
  await api.orm.em.fork().nativeUpdate(Organization, { id: admin.organization.id }, { tier: 'ENTERPRISE' });
  const customer = await api.memberOf(admin.organization.id, 'customer', `${label}-customer`);
  const asAdmin = api.call({ token: admin.token });
  const asCustomer = api.call({ token: customer.token, organization: admin.organization.id });
  const project = await asAdmin.projects.create({ name: label });
  const environment = (name: string) => {
    const found = project.environments.find((e) => e.name === name);
    if (!found) throw new Error(`no ${name}`);
    return found;
  };
  return { admin, customer, asAdmin, asCustomer, project, environment };
}

/** The denials recorded for an organization: the procedure and the rule that refused. */
const denials = (organizationId: string) =>
  api.inOrganization(organizationId, async (em) =>
    (await em.find(AuditEvent, { outcome: 'denied' }, { orderBy: { seq: 'asc' } })).map((e) => ({
      action: e.action,
      procedure: e.targetId,
      rule: (e.changes as { rule?: { after?: unknown } } | null)?.rule?.after,
    })),
  );

const fieldOf = (error: unknown) => ((error as { cause?: AppError }).cause as AppError).field;

describe('changing a protected environment', () => {
  it('a customer cannot unprotect production, and the attempt is recorded', async () => {
    const { admin, asCustomer, environment } = await team('unprotect');
    const error = await expectError(
      asCustomer.environments.update({ id: environment('production').id, protected: false }),
      'PERMISSION_DENIED',
    );
    expect(fieldOf(error)).toBe('protected');
    const list = await asCustomer.environments.list({ projectId: environment('production').projectId });
    expect(list.items.find((e) => e.name === 'production')?.protected).toBe(true);
    expect(await denials(admin.organization.id)).toEqual([
      { action: 'permission.denied', procedure: 'environments.update', rule: 'projects.write: protectionChange' },
    ]);
  });

  it('a customer cannot protect an environment either; an admin can do both', async () => {
    const { asAdmin, asCustomer, environment } = await team('protect');
    await expectError(
      asCustomer.environments.update({ id: environment('dev').id, protected: true }),
      'PERMISSION_DENIED',
    );
    expect(await asAdmin.environments.update({ id: environment('dev').id, protected: true })).toMatchObject({
      protected: true,
    });
    expect(await asAdmin.environments.update({ id: environment('production').id, protected: false })).toMatchObject({
      protected: false,
    });
  });

  it('a customer cannot rename or delete production, but may rename and delete an unprotected one', async () => {
    const { admin, asCustomer, environment } = await team('rename');
    const production = environment('production').id;
    await expectError(asCustomer.environments.update({ id: production, name: 'prod' }), 'PERMISSION_DENIED');
    await expectError(asCustomer.environments.delete({ id: production }), 'PERMISSION_DENIED');
    // Naming the same protection it has already is no change of protection.
    await expectError(
      asCustomer.environments.update({ id: production, name: 'prod', protected: true }),
      'PERMISSION_DENIED',
    );
    expect(await asCustomer.environments.update({ id: environment('dev').id, name: 'development' })).toMatchObject({
      name: 'development',
      protected: false,
    });
    await asCustomer.environments.delete({ id: environment('dev').id });
    // The same refusal by the same actor within a minute is one event; another procedure, another.
    expect(await denials(admin.organization.id)).toEqual([
      { action: 'permission.denied', procedure: 'environments.update', rule: 'projects.write: protectedEnvironment' },
      { action: 'permission.denied', procedure: 'environments.delete', rule: 'projects.write: protectedEnvironment' },
    ]);
  });

  it('an admin’s API token needs the admin scope to change protection; write is not enough', async () => {
    const { asAdmin, environment, admin } = await team('token-protect');
    const { token: writer } = await asAdmin.apiTokens.create({ name: 'ci', scopes: ['write'] });
    const { token: owner } = await asAdmin.apiTokens.create({ name: 'ops', scopes: ['write', 'admin'] });
    const production = environment('production').id;
    await expectError(
      api.call({ token: writer }).environments.update({ id: production, protected: false }),
      'PERMISSION_DENIED',
    );
    await expect(
      api.call({ token: owner }).environments.update({ id: production, protected: false }),
    ).resolves.toMatchObject({
      protected: false,
    });
    expect((await denials(admin.organization.id)).map((d) => d.rule)).toEqual(['projects.write: protectionChange']);
  });
});

describe('a protected name stays protected', () => {
  it('re-created after an admin deleted it, production is protected: the customer still cannot deploy there', async () => {
    const { project, asAdmin, asCustomer, environment } = await team('recreate');
    await asAdmin.environments.delete({ id: environment('production').id });
    const again = await asCustomer.environments.create({ projectId: project.id, name: 'production' });
    expect(again.protected).toBe(true);
    const error = await expectError(
      asCustomer.deployments.create({ projectId: project.id, environment: 'production', ref: 'main' }),
      'PERMISSION_DENIED',
    );
    expect(fieldOf(error)).toBe('environment');
    // The name is taken back: an admin may unprotect the new environment as any other.
    expect(await asAdmin.environments.update({ id: again.id, protected: false })).toMatchObject({ protected: false });
    await asAdmin.environments.delete({ id: again.id });
    expect((await asCustomer.environments.create({ projectId: project.id, name: 'production' })).protected).toBe(false);
  });

  it('re-created by strictops.yml, it is protected too', async () => {
    const { project, asAdmin, asCustomer, environment } = await team('recreate-yml');
    await asAdmin.environments.delete({ id: environment('production').id });
    const applied = await asCustomer.projects.applyConfig({
      id: project.id,
      yaml: 'version: 1\nenvironments:\n  production:\n    protected: false\n',
    });
    expect(applied).toMatchObject({ environmentsCreated: ['production'] });
    const list = await asCustomer.environments.list({ projectId: project.id });
    expect(list.items.find((e) => e.name === 'production')?.protected).toBe(true);
  });

  it('renamed away by an admin, its old name is protected for whoever takes it, by creation or by rename', async () => {
    const { project, asAdmin, asCustomer, environment } = await team('rename-away');
    await asAdmin.environments.update({ id: environment('production').id, name: 'live' });
    // Renaming an unprotected environment into the name makes it protected, or is refused.
    await expectError(
      asCustomer.environments.update({ id: environment('staging').id, name: 'production', protected: false }),
      'PERMISSION_DENIED',
    );
    expect(await asCustomer.environments.update({ id: environment('staging').id, name: 'production' })).toMatchObject({
      name: 'production',
      protected: true,
    });
    await asAdmin.environments.update({ id: environment('dev').id, name: 'dev2' });
    expect((await asCustomer.environments.create({ projectId: project.id, name: 'dev' })).protected).toBe(false);
  });
});

describe('deploying to a protected environment', () => {
  it('is refused for a customer and a customer’s token, recorded with the rule; an admin’s deploy token may', async () => {
    const { admin, project, asAdmin, asCustomer } = await team('deploy');
    await expectError(
      asCustomer.deployments.create({ projectId: project.id, environment: 'production', ref: 'main' }),
      'PERMISSION_DENIED',
    );
    const { token: customerToken } = await asCustomer.apiTokens.create({ name: 'c', scopes: ['deploy'] });
    await expectError(
      api
        .call({ token: customerToken })
        .deployments.create({ projectId: project.id, environment: 'production', ref: 'x' }),
      'PERMISSION_DENIED',
    );
    const { token: adminToken } = await asAdmin.apiTokens.create({ name: 'ci', scopes: ['deploy'] });
    await expect(
      api
        .call({ token: adminToken })
        .deployments.create({ projectId: project.id, environment: 'production', ref: 'x' }),
    ).resolves.toMatchObject({ replayed: false });
    expect(await denials(admin.organization.id)).toEqual([
      {
        action: 'permission.denied',
        procedure: 'deployments.create',
        rule: 'deployments.create: protectedEnvironment',
      },
      // The token is another actor: its attempt is recorded on its own.
      {
        action: 'permission.denied',
        procedure: 'deployments.create',
        rule: 'deployments.create: protectedEnvironment',
      },
    ]);
  });

  it('is checked again when a worker claims: a protection added while it waited cancels it, with the reason', async () => {
    const { admin, project, asAdmin, asCustomer, environment } = await team('claim');
    const { deployment: fromCustomer } = await asCustomer.deployments.create({
      projectId: project.id,
      environment: 'staging',
      ref: 'main',
    });
    const { deployment: fromAdmin } = await asAdmin.deployments.create({
      projectId: project.id,
      environment: 'staging',
      ref: 'main',
    });
    await asAdmin.environments.update({ id: environment('staging').id, protected: true });

    const worker = api.call({ token: api.serviceToken });
    const claimedIds: string[] = [];
    for (let i = 0; i < 500; i++) {
      const claimed = await worker.internal.deployments.claim({ workerId: 'claim-check' });
      if (!claimed.deployment) break;
      claimedIds.push(claimed.deployment.id);
      if (claimed.deployment.id === fromAdmin.id) break;
    }
    expect(claimedIds).toContain(fromAdmin.id);
    expect(claimedIds).not.toContain(fromCustomer.id);
    const refused = await asAdmin.deployments.get({ id: fromCustomer.id });
    expect(refused).toMatchObject({ status: 'cancelled', statusMessage: expect.stringMatching(/protected/) });
    const events = await api.inOrganization(admin.organization.id, (em) =>
      em.find(AuditEvent, { targetId: fromCustomer.id }, { orderBy: { seq: 'asc' } }),
    );
    expect(events.map((e) => [e.action, e.outcome, e.actorId])).toEqual([
      ['deployment.created', 'success', expect.any(String)],
      ['deployment.refused', 'denied', 'deploy-worker'],
    ]);
    const row = await api.inOrganization(admin.organization.id, (em) =>
      em.findOneOrFail(Deployment, { id: fromCustomer.id }),
    );
    expect(row.finishedAt).toBeInstanceOf(Date);
  });
});
