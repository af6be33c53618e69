import { AuditEvent, Membership, Organization, type Orm, openDatabase, purgeDeletedOrganizations } from '@strictops/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RESERVED_SLUGS } from '../shared/slugs.ts';
import { createTestApi, expectError, type TestApi, unique } from '../testing/harness.ts';

let api: TestApi;
let owner: Orm;
beforeAll(async () => {
  api = await createTestApi();
  // The purge is maintenance: it runs as the owner, like `pnpm --filter @strictops/server purge`.
  owner = await openDatabase({ url: inject('databaseUrl'), poolSize: 1, role: 'owner' });
});
afterAll(async () => {
  await owner.close();
  await api.close();
});

const DAY = 86_400_000;

describe('organizations.delete', () => {
  it('needs the slug typed exactly, and changes nothing otherwise', async () => {
    const admin = await api.signUp('confirm');
    await expectError(
      api.call({ token: admin.token }).organizations.delete({ confirmSlug: `${admin.organization.slug}x` }),
      'CONFIRMATION_MISMATCH',
    );
    await expectError(api.call({ token: admin.token }).organizations.delete({ confirmSlug: '' }), 'VALIDATION_FAILED');
    expect((await api.call({ token: admin.token }).organizations.get({})).id).toBe(admin.organization.id);
  });

  it('locks every member out at once, by header or by session, and records who deleted it', async () => {
    const admin = await api.signUp('deleter');
    const colleague = await api.memberOf(admin.organization.id, 'customer', 'locked-out');
    await api.call({ token: colleague.token }).organizations.switch({ organization: admin.organization.id });

    const deleted = await api
      .call({ token: admin.token })
      .organizations.delete({ confirmSlug: admin.organization.slug.toUpperCase() });
    expect(deleted.purgeAfter.getTime() - deleted.deletedAt.getTime()).toBe(30 * DAY);

    for (const user of [admin, colleague]) {
      for (const organization of [admin.organization.id, admin.organization.slug]) {
        await expectError(api.call({ token: user.token, organization }).members.list({}), 'ORGANIZATION_NOT_FOUND');
      }
    }
    // The colleague's session falls back to their own organization; the admin has none left.
    expect((await api.call({ token: colleague.token }).organizations.get({})).id).toBe(colleague.organization.id);
    await expectError(api.call({ token: admin.token }).organizations.get({}), 'ORGANIZATION_NOT_FOUND');
    const me = await api.call({ token: admin.token }).auth.me({});
    expect(me.memberships.map((m) => m.id)).not.toContain(admin.organization.id);

    const event = await api.inOrganization(admin.organization.id, (em) =>
      em.findOneOrFail(AuditEvent, { action: 'organization.deleted' }),
    );
    expect(event.actorId).toBe(admin.user.id);
  });
});

describe('purge', () => {
  it('removes organizations deleted over 30 days ago with everything they own, and frees their slug', async () => {
    const old = await api.signUp('purged');
    const recent = await api.signUp('kept');
    await api.call({ token: old.token }).invitations.create({ email: `${unique('p')}@example.com`, role: 'customer' });
    for (const user of [old, recent]) {
      await api.call({ token: user.token }).organizations.delete({ confirmSlug: user.organization.slug });
    }
    const em = owner.em.fork();
    await em.nativeUpdate(Organization, { id: old.organization.id }, { deletedAt: new Date(Date.now() - 31 * DAY) });
    await em.nativeUpdate(Organization, { id: recent.organization.id }, { deletedAt: new Date(Date.now() - 29 * DAY) });

    const purged = await purgeDeletedOrganizations(owner);
    expect(purged.map((o) => o.id)).toContain(old.organization.id);
    expect(purged.map((o) => o.id)).not.toContain(recent.organization.id);

    const left = await owner.em.fork().execute(
      `select (select count(*) from organization where id = ?)::int as organizations,
              (select count(*) from membership where organization_id = ?)::int as memberships,
              (select count(*) from invitation where organization_id = ?)::int as invitations,
              (select count(*) from audit_event where organization_id = ?)::int as events`,
      Array(4).fill(old.organization.id),
    );
    expect(left[0]).toEqual({ organizations: 0, memberships: 0, invitations: 0, events: 0 });
    expect(await owner.em.fork().count(Organization, { id: recent.organization.id })).toBe(1);

    // The slug is free again: anyone may take it.
    const taker = await api.signUp('taker');
    await expect(
      api.call({ token: taker.token }).organizations.create({ name: 'Taken over', slug: old.organization.slug }),
    ).resolves.toMatchObject({ slug: old.organization.slug });
    // A soft-deleted organization still holds its slug until the purge.
    await expectError(
      api.call({ token: taker.token }).organizations.create({ name: 'Too soon', slug: recent.organization.slug }),
      'SLUG_TAKEN',
    );
    expect(await api.inOrganization(old.organization.id, (tx) => tx.count(Membership, {}))).toBe(0);
  });
});

describe('slug rules', () => {
  it.each([...RESERVED_SLUGS])('refuses the reserved slug %s on update', async (slug) => {
    const admin = await api.signUp('reserved');
    await expectError(api.call({ token: admin.token }).organizations.update({ slug }), 'VALIDATION_FAILED');
  });

  it('accepts 3 and 48 characters, digits and single hyphens', async () => {
    const admin = await api.signUp('slugok');
    for (const slug of [`a${(Date.now() % 90) + 10}`, `${unique('x').toLowerCase()}`.padEnd(48, 'z')]) {
      await expect(api.call({ token: admin.token }).organizations.update({ slug })).resolves.toMatchObject({ slug });
    }
  });
});
