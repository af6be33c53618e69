import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Membership, Organization, User } from './entities/index.ts';
import { uuidv7 } from './ids.ts';
import { type Orm, openDatabase } from './orm.ts';
import { enterOrganization } from './tenancy.ts';

let orm: Orm;
const run = uuidv7().slice(-12);

/** Runs `work` the way a request does: in one transaction scoped to one organization. */
function inOrganization<T>(organizationId: string, work: (em: EntityManager) => Promise<T>): Promise<T> {
  return orm.em.fork().transactional(async (em) => {
    await enterOrganization(em, organizationId);
    return work(em);
  });
}

async function seedOrganization(label: string, memberCount: number) {
  const organization = orm.em.fork().create(Organization, { name: label, slug: `${label}-${run}` });
  await orm.em.fork().persist(organization).flush();
  await inOrganization(organization.id, async (em) => {
    for (let i = 0; i < memberCount; i++) {
      const user = em.create(User, {
        email: `${label}-${i}-${run}@example.com`,
        name: `${label} ${i}`,
        passwordHash: 'x',
      });
      em.create(Membership, { organization: organization.id, user, role: i === 0 ? 'strictops_admin' : 'customer' });
    }
    await em.flush();
  });
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

describe('tenant filter', () => {
  it('scopes find to the organization', async () => {
    const memberships = await inOrganization(orgA.id, (em) => em.find(Membership, {}));
    expect(memberships).toHaveLength(2);
    expect(memberships.every((m) => m.organization.id === orgA.id)).toBe(true);
  });

  it('scopes count', async () => {
    expect(await inOrganization(orgA.id, (em) => em.count(Membership, {}))).toBe(2);
    expect(await inOrganization(orgB.id, (em) => em.count(Membership, {}))).toBe(3);
  });

  it('scopes a populated relation', async () => {
    await inOrganization(orgB.id, async (em) => {
      const users = await em.find(User, { email: { $like: `filter-%-${run}@example.com` } });
      expect(users).toHaveLength(5);
      const memberships = await em.find(Membership, { user: { $in: users } }, { populate: ['user', 'organization'] });
      expect(memberships).toHaveLength(3);
      expect(new Set(memberships.map((m) => m.organization.slug))).toEqual(new Set([orgB.slug]));
    });
  });

  it('does not find another organization’s row by its id', async () => {
    const bMembership = await inOrganization(orgB.id, (em) =>
      em.findOneOrFail(Membership, { role: 'strictops_admin' }),
    );
    expect(await inOrganization(orgA.id, (em) => em.findOne(Membership, { id: bMembership.id }))).toBeNull();
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
    await expect(
      inOrganization(orgA.id, async (em) => {
        const existing = await em.findOneOrFail(Membership, { role: 'customer' }, { populate: ['user'] });
        em.create(Membership, { organization: orgA.id, user: existing.user.id, role: 'strictops_admin' });
        await em.flush();
      }),
    ).rejects.toBeInstanceOf(UniqueConstraintViolationException);
  });
});
