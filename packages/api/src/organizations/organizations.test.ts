import { Membership, Organization } from '@strictops/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, expectError, type TestApi, unique } from '../testing/harness.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

describe('organizations.create and list', () => {
  it('makes the creator its strictops_admin and lists it with the others', async () => {
    const user = await api.signUp('creator');
    const created = await api.call({ token: user.token }).organizations.create({ name: 'Second Org' });
    expect(created.role).toBe('strictops_admin');
    expect(created.slug).toMatch(/^second-org(-[0-9a-f]{6})?$/);
    const { items } = await api.call({ token: user.token }).organizations.list({});
    expect(items.map((o) => o.id)).toEqual([user.organization.id, created.id]);
  });

  it('takes a chosen slug, and refuses one that is taken', async () => {
    const user = await api.signUp('slugs');
    const slug = unique('chosen').toLowerCase();
    await expect(api.call({ token: user.token }).organizations.create({ name: 'A', slug })).resolves.toMatchObject({
      slug,
    });
    const error = await expectError(
      api.call({ token: user.token }).organizations.create({ name: 'B', slug }),
      'SLUG_TAKEN',
    );
    expect((error.cause as { field?: string }).field).toBe('slug');
  });

  it.each(['ab', 'UPPER CASE', 'trailing-', 'double--hyphen', 'docs', 'x'.repeat(49)])(
    'refuses the slug %j',
    async (slug) => {
      const user = await api.signUp('badslug');
      await expectError(api.call({ token: user.token }).organizations.create({ name: 'A', slug }), 'VALIDATION_FAILED');
    },
  );

  it('derives a unique slug when two organizations share a name', async () => {
    const user = await api.signUp('twins');
    const name = unique('Twin');
    const first = await api.call({ token: user.token }).organizations.create({ name });
    const second = await api.call({ token: user.token }).organizations.create({ name });
    expect(first.slug).not.toBe(second.slug);
    expect(second.slug.startsWith(first.slug)).toBe(true);
  });
});

describe('active organization', () => {
  it('follows the header by id or slug, else the session, else the oldest membership', async () => {
    const user = await api.signUp('active');
    const other = await api.call({ token: user.token }).organizations.create({ name: 'Other' });
    const get = (organization?: string) => api.call({ token: user.token, organization }).organizations.get({});

    expect((await get()).id).toBe(user.organization.id);
    expect((await get(other.id)).id).toBe(other.id);
    expect((await get(other.slug.toUpperCase())).id).toBe(other.id);

    await api.call({ token: user.token }).organizations.switch({ organization: other.slug });
    expect((await get()).id).toBe(other.id);
    expect((await api.call({ token: user.token }).auth.me({})).activeOrganization?.id).toBe(other.id);
  });

  it('falls back to another membership when the active organization is gone', async () => {
    const user = await api.signUp('fallback');
    const other = await api.call({ token: user.token }).organizations.create({ name: 'Doomed' });
    await api.call({ token: user.token }).organizations.switch({ organization: other.id });
    await api.orm.em.fork().nativeUpdate(Organization, { id: other.id }, { deletedAt: new Date() });
    expect((await api.call({ token: user.token }).organizations.get({})).id).toBe(user.organization.id);
  });

  it('sees a lowered role on the very next request', async () => {
    const admin = await api.signUp('demoter');
    const member = await api.memberOf(admin.organization.id, 'strictops_admin', 'demoted');
    const asMember = () => api.call({ token: member.token, organization: admin.organization.id });
    await expect(asMember().organizations.update({ name: 'Renamed by member' })).resolves.toBeDefined();

    await api.inOrganization(admin.organization.id, (em) =>
      em.nativeUpdate(Membership, { user: member.user.id }, { role: 'customer' }),
    );
    await expectError(asMember().organizations.update({ name: 'Again' }), 'PERMISSION_DENIED');
  });

  it('refuses to switch to an organization the caller does not belong to, as not found', async () => {
    const user = await api.signUp('switcher');
    const stranger = await api.signUp('stranger');
    await expectError(
      api.call({ token: user.token }).organizations.switch({ organization: stranger.organization.id }),
      'ORGANIZATION_NOT_FOUND',
    );
    await expectError(
      api.call({ token: user.token }).organizations.switch({ organization: 'no-such-organization' }),
      'ORGANIZATION_NOT_FOUND',
    );
  });
});

describe('organizations.update', () => {
  it('renames and re-slugs the active organization', async () => {
    const user = await api.signUp('renamer');
    const slug = unique('renamed').toLowerCase();
    const updated = await api.call({ token: user.token }).organizations.update({ name: 'New Name', slug });
    expect(updated).toMatchObject({ name: 'New Name', slug, role: 'strictops_admin' });
    expect((await api.call({ token: user.token, organization: slug }).organizations.get({})).name).toBe('New Name');
  });

  it('refuses a slug another organization holds, and changes nothing', async () => {
    const user = await api.signUp('collide');
    const holder = await api.signUp('holder');
    await expectError(
      api.call({ token: user.token }).organizations.update({ name: 'Changed', slug: holder.organization.slug }),
      'SLUG_TAKEN',
    );
    const unchanged = await api.call({ token: user.token }).organizations.get({});
    expect(unchanged.name).toBe(user.organization.name);
    expect(unchanged.slug).toBe(user.organization.slug);
  });

  it('needs at least one change', async () => {
    const user = await api.signUp('nochange');
    await expectError(api.call({ token: user.token }).organizations.update({}), 'VALIDATION_FAILED');
  });
});
