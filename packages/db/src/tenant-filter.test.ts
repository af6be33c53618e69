import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Membership, Organization, User } from './entities/index.ts';
import { uuidv7 } from './ids.ts';
import { type Orm, openDatabase } from './orm.ts';
import { TENANT_FILTER } from './tenant-filter.ts';

let orm: Orm;
const run = uuidv7().slice(-12);

async function seedOrganization(label: string, memberCount: number) {
  const em = orm.em.fork();
  const organization = em.create(Organization, { name: label, slug: `${label}-${run}` });
  for (let i = 0; i < memberCount; i++) {
    const user = em.create(User, {
      email: `${label}-${i}-${run}@example.com`,
      name: `${label} ${i}`,
      passwordHash: 'x',
    });
    em.create(Membership, { organization, user, role: i === 0 ? 'strictops_admin' : 'customer' });
  }
  await em.flush();
  return organization;
}

let orgA: Organization;
let orgB: Organization;

beforeAll(async () => {
  orm = await openDatabase({ url: inject('databaseUrl') });
  orgA = await seedOrganization('filter-a', 2);
  orgB = await seedOrganization('filter-b', 3);
});

afterAll(() => orm.close());

function scopedTo(organizationId: string) {
  const em = orm.em.fork();
  em.setFilterParams(TENANT_FILTER, { organizationId });
  return em;
}

describe('tenant filter', () => {
  it('scopes find to the organization set on the EntityManager', async () => {
    const memberships = await scopedTo(orgA.id).find(Membership, {});
    expect(memberships).toHaveLength(2);
    expect(memberships.every((m) => m.organization.id === orgA.id)).toBe(true);
  });

  it('scopes count', async () => {
    expect(await scopedTo(orgA.id).count(Membership, {})).toBe(2);
    expect(await scopedTo(orgB.id).count(Membership, {})).toBe(3);
  });

  it('scopes a populated relation', async () => {
    const em = scopedTo(orgB.id);
    const users = await em.find(User, { email: { $like: `filter-%-${run}@example.com` } });
    expect(users).toHaveLength(5);
    // Populating memberships from users of both organizations yields only organization B's rows.
    const memberships = await em.find(Membership, { user: { $in: users } }, { populate: ['user', 'organization'] });
    expect(memberships).toHaveLength(3);
    expect(new Set(memberships.map((m) => m.organization.slug))).toEqual(new Set([orgB.slug]));
  });

  it('does not find another organization’s row by its id', async () => {
    const bMembership = await scopedTo(orgB.id).findOneOrFail(Membership, { role: 'strictops_admin' });
    expect(await scopedTo(orgA.id).findOne(Membership, { id: bMembership.id })).toBeNull();
  });

  it('fails closed: a query with no organization set throws', async () => {
    await expect(orm.em.fork().find(Membership, {})).rejects.toThrow(/No arguments provided for filter 'tenant'/);
    await expect(orm.em.fork().count(Membership, {})).rejects.toThrow(/tenant/);
  });
});

describe('uniqueness held by the database', () => {
  it('refuses an email that differs only by case', async () => {
    const em = orm.em.fork();
    em.create(User, { email: `case-${run}@example.com`, name: 'a', passwordHash: 'x' });
    await em.flush();
    const again = orm.em.fork();
    again.create(User, { email: `CASE-${run}@example.com`, name: 'b', passwordHash: 'x' });
    await expect(again.flush()).rejects.toBeInstanceOf(UniqueConstraintViolationException);
  });

  it('refuses a duplicate organization slug', async () => {
    const em = orm.em.fork();
    em.create(Organization, { name: 'dup', slug: orgA.slug });
    await expect(em.flush()).rejects.toBeInstanceOf(UniqueConstraintViolationException);
  });

  it('refuses a second membership of the same user in the same organization', async () => {
    const em = scopedTo(orgA.id);
    const existing = await em.findOneOrFail(Membership, { role: 'customer' }, { populate: ['user'] });
    em.create(Membership, { organization: orgA.id, user: existing.user.id, role: 'strictops_admin' });
    await expect(em.flush()).rejects.toBeInstanceOf(UniqueConstraintViolationException);
  });
});
