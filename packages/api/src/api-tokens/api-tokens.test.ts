import { ApiToken, AuditEvent, Membership } from '@strictops/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, expectError, type TestApi } from '../testing/harness.ts';
import { generateToken, hashToken, isWellFormedToken } from './token-format.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

async function adminWithToken(scopes: ('read' | 'write' | 'deploy' | 'admin')[] = ['read']) {
  const admin = await api.signUp('token-admin');
  const created = await api.call({ token: admin.token }).apiTokens.create({ name: 'ci', scopes });
  return { admin, secret: created.token, apiToken: created.apiToken };
}

describe('token format', () => {
  it('has the sops_ prefix, 190 bits of randomness and a checksum', () => {
    const token = generateToken();
    expect(token).toMatch(/^sops_[0-9A-Za-z]{38}$/);
    expect(isWellFormedToken(token)).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, generateToken)).size).toBe(1000);
  });

  it('refuses a mistyped token by its checksum', () => {
    const token = generateToken();
    const typo = token.slice(0, 10) + (token[10] === 'a' ? 'b' : 'a') + token.slice(11);
    expect(isWellFormedToken(typo)).toBe(false);
    expect(isWellFormedToken(`${token}x`)).toBe(false);
    expect(isWellFormedToken('sops_short')).toBe(false);
  });
});

describe('apiTokens', () => {
  it('shows the secret once and keeps only its hash, prefix and last four', async () => {
    const { admin, secret, apiToken } = await adminWithToken();
    expect(apiToken).toMatchObject({ prefix: secret.slice(0, 12), lastFour: secret.slice(-4), scopes: ['read'] });
    const listed = await api.call({ token: admin.token }).apiTokens.list({});
    expect(JSON.stringify(listed)).not.toContain(secret);
    const rows = await api.inOrganization(admin.organization.id, (em) =>
      em.execute('select * from "api_token" where id = ?', [apiToken.id]),
    );
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect((rows[0] as { secret_hash: string }).secret_hash).toBe(hashToken(secret));
  });

  it('authenticates as a bearer token without an organization header', async () => {
    const { admin, secret } = await adminWithToken(['read']);
    const organization = await api.call({ token: secret }).organizations.get({});
    expect(organization.id).toBe(admin.organization.id);
  });

  it('is NOT_FOUND when the header names another organization', async () => {
    const { secret } = await adminWithToken(['read']);
    const other = await api.signUp('other');
    await expectError(
      api.call({ token: secret, organization: other.organization.id }).organizations.get({}),
      'ORGANIZATION_NOT_FOUND',
    );
  });

  it('cannot call sign-in or session procedures', async () => {
    const { secret } = await adminWithToken(['admin']);
    await expectError(api.call({ token: secret }).auth.me({}), 'TOKEN_NOT_ALLOWED');
    await expectError(api.call({ token: secret }).auth.signOut({}), 'TOKEN_NOT_ALLOWED');
    await expectError(api.call({ token: secret }).organizations.list({}), 'TOKEN_NOT_ALLOWED');
  });

  it('is limited by its scopes', async () => {
    const { secret } = await adminWithToken(['read']);
    await expectError(api.call({ token: secret }).organizations.update({ name: 'Nope' }), 'PERMISSION_DENIED');
    const { secret: adminScoped } = await adminWithToken(['admin']);
    await expect(api.call({ token: adminScoped }).organizations.update({ name: 'Yes' })).resolves.toBeDefined();
  });

  it('never carries more than its creator’s role: a customer cannot mint admin', async () => {
    const { admin } = await adminWithToken();
    const customer = await api.memberOf(admin.organization.id, 'customer');
    const asCustomer = api.call({ token: customer.token, organization: admin.organization.id });
    const error = await expectError(asCustomer.apiTokens.create({ name: 'x', scopes: ['admin'] }), 'PERMISSION_DENIED');
    expect((error.cause as { field?: string }).field).toBe('scopes');
    await expect(asCustomer.apiTokens.create({ name: 'x', scopes: ['read', 'deploy'] })).resolves.toBeDefined();
    // The refusal is the policy's, recorded with its rule like any other.
    const denied = await api.inOrganization(admin.organization.id, (em) =>
      em.find(AuditEvent, { outcome: 'denied', actorId: customer.user.id }),
    );
    expect(denied.map((e) => [e.targetId, e.changes?.rule?.after])).toEqual([
      ['apiTokens.create', 'apiTokens.manage: grantedScopes'],
    ]);
  });

  it('shows a customer only their own tokens, and another member’s cannot be revoked by them', async () => {
    const { admin, apiToken: adminsToken } = await adminWithToken();
    const customer = await api.memberOf(admin.organization.id, 'customer');
    const asCustomer = api.call({ token: customer.token, organization: admin.organization.id });
    const { apiToken: own } = await asCustomer.apiTokens.create({ name: 'mine', scopes: ['read'] });
    expect((await asCustomer.apiTokens.list({})).items.map((t) => t.id)).toEqual([own.id]);
    await expectError(asCustomer.apiTokens.revoke({ id: adminsToken.id }), 'API_TOKEN_NOT_FOUND');
    const asAdmin = api.call({ token: admin.token });
    expect((await asAdmin.apiTokens.list({})).items.map((t) => t.id).sort()).toEqual([adminsToken.id, own.id].sort());
    expect((await asAdmin.apiTokens.revoke({ id: own.id })).revokedAt).toBeInstanceOf(Date);
  });

  it('loses its rights at once when its creator is demoted or removed', async () => {
    const { admin } = await adminWithToken();
    const colleague = await api.memberOf(admin.organization.id, 'strictops_admin', 'colleague');
    const { token: secret } = await api
      .call({ token: colleague.token, organization: admin.organization.id })
      .apiTokens.create({ name: 'colleague', scopes: ['admin'] });
    await expect(api.call({ token: secret }).organizations.update({ name: 'Fine' })).resolves.toBeDefined();

    await api.inOrganization(admin.organization.id, (em) =>
      em.nativeUpdate(Membership, { user: colleague.user.id }, { role: 'customer' }),
    );
    await expectError(api.call({ token: secret }).organizations.update({ name: 'Demoted' }), 'PERMISSION_DENIED');

    await api.inOrganization(admin.organization.id, (em) => em.nativeDelete(Membership, { user: colleague.user.id }));
    await expectError(api.call({ token: secret }).organizations.get({}), 'UNAUTHENTICATED');
  });

  it('fails on the very next request once revoked or expired', async () => {
    const { admin, secret, apiToken } = await adminWithToken(['read']);
    await api.call({ token: admin.token }).apiTokens.revoke({ id: apiToken.id });
    await expectError(api.call({ token: secret }).organizations.get({}), 'UNAUTHENTICATED');

    const expiring = await api.call({ token: admin.token }).apiTokens.create({ name: 'short', scopes: ['read'] });
    await api.inOrganization(admin.organization.id, (em) =>
      em.nativeUpdate(ApiToken, { id: expiring.apiToken.id }, { expiresAt: new Date(Date.now() - 1000) }),
    );
    await expectError(api.call({ token: expiring.token }).organizations.get({}), 'UNAUTHENTICATED');
  });

  it('refuses a malformed or unknown token', async () => {
    await expectError(api.call({ token: 'sops_not-a-real-token' }).organizations.get({}), 'UNAUTHENTICATED');
    await expectError(api.call({ token: generateToken() }).organizations.get({}), 'UNAUTHENTICATED');
  });

  it('updates lastUsedAt at most once a minute', async () => {
    const { admin, secret, apiToken } = await adminWithToken(['read']);
    await api.call({ token: secret }).organizations.get({});
    const first = (await api.call({ token: admin.token }).apiTokens.list({})).items.find((t) => t.id === apiToken.id);
    expect(first?.lastUsedAt).toBeInstanceOf(Date);
    await api.call({ token: secret }).organizations.get({});
    const second = (await api.call({ token: admin.token }).apiTokens.list({})).items.find((t) => t.id === apiToken.id);
    expect(second?.lastUsedAt?.getTime()).toBe(first?.lastUsedAt?.getTime());
  });

  it('lists all tokens for admins and only their own for customers; customers revoke only their own', async () => {
    const { admin, apiToken: adminToken } = await adminWithToken(['read']);
    const customer = await api.memberOf(admin.organization.id, 'customer');
    const asCustomer = api.call({ token: customer.token, organization: admin.organization.id });
    const own = await asCustomer.apiTokens.create({ name: 'mine', scopes: ['read'] });
    expect((await asCustomer.apiTokens.list({})).items.map((t) => t.id)).toEqual([own.apiToken.id]);
    expect((await api.call({ token: admin.token }).apiTokens.list({})).items).toHaveLength(2);
    await expectError(asCustomer.apiTokens.revoke({ id: adminToken.id }), 'API_TOKEN_NOT_FOUND');
    await expect(api.call({ token: admin.token }).apiTokens.revoke({ id: own.apiToken.id })).resolves.toMatchObject({
      id: own.apiToken.id,
    });
  });

  it('records who did what with which token in the audit log', async () => {
    const { admin, secret, apiToken } = await adminWithToken(['admin']);
    await api.call({ token: secret }).organizations.update({ name: 'Renamed by token' });
    const events = await api.inOrganization(admin.organization.id, (em) =>
      em.find(
        AuditEvent,
        { action: { $in: ['api_token.created', 'organization.updated'] } },
        { orderBy: { id: 'asc' } },
      ),
    );
    expect(events.map((e) => [e.action, e.actorType, e.actorId])).toEqual([
      ['api_token.created', 'user', admin.user.id],
      ['organization.updated', 'api_token', apiToken.id],
    ]);
    expect(events[1]?.actorDisplay).toContain(admin.email);
  });

  it('refuses bad input clearly', async () => {
    const admin = await api.signUp('badinput');
    const call = api.call({ token: admin.token }).apiTokens;
    await expectError(call.create({ name: '', scopes: ['read'] }), 'VALIDATION_FAILED');
    await expectError(call.create({ name: 'x', scopes: [] }), 'VALIDATION_FAILED');
    await expectError(call.create({ name: 'x', scopes: ['root' as 'read'] }), 'VALIDATION_FAILED');
    await expectError(call.create({ name: 'x', scopes: ['read', 'read'] }), 'VALIDATION_FAILED');
    await expectError(
      call.create({ name: 'x', scopes: ['read'], expiresAt: new Date(Date.now() - 1) }),
      'VALIDATION_FAILED',
    );
    await expectError(
      call.create({ name: 'x', scopes: ['read'], expiresAt: new Date(Date.now() + 400 * 86_400_000) }),
      'VALIDATION_FAILED',
    );
    await expectError(call.revoke({ id: 'not-a-uuid' }), 'VALIDATION_FAILED');
  });
});
