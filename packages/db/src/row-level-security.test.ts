/**
 * Row-level security under the ORM filter: the database refuses what the application forgets.
 * Each bypass runs inside a request-shaped transaction scoped to organization A, as the
 * application role, and tries to read, change or delete organization B's rows.
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Membership, Organization, User } from './entities/index.ts';
import { uuidv7 } from './ids.ts';
import { type Orm, openDatabase } from './orm.ts';
import { APP_ROLE, enterOrganization, ORGANIZATION_SETTING, TENANT_FILTER } from './tenancy.ts';
import { tenantTableSecurity } from './testing/catalog.ts';

let orm: Orm;
const run = uuidv7().slice(-12);
let orgA: string;
let orgB: string;
let membershipOfB: string;

function inOrganization<T>(organizationId: string, work: (em: EntityManager) => Promise<T>, target = orm): Promise<T> {
  return target.em.fork().transactional(async (em) => {
    await enterOrganization(em, organizationId);
    return work(em);
  });
}

async function seed(label: string) {
  const em = orm.em.fork();
  const organization = em.create(Organization, { name: label, slug: `${label}-${run}` });
  await em.flush();
  const membershipId = await inOrganization(organization.id, async (tx) => {
    const user = tx.create(User, { email: `${label}-${run}@example.com`, name: label, passwordHash: 'x' });
    const membership = tx.create(Membership, { organization: organization.id, user, role: 'strictops_admin' });
    await tx.flush();
    return membership.id;
  });
  return { organizationId: organization.id, membershipId };
}

const countB = () => inOrganization(orgB, (em) => em.count(Membership, {}));

beforeAll(async () => {
  orm = await openDatabase({ url: inject('databaseUrl'), poolSize: 4 });
  orgA = (await seed('rls-a')).organizationId;
  const b = await seed('rls-b');
  orgB = b.organizationId;
  membershipOfB = b.membershipId;
});

afterAll(() => orm.close());

describe('database catalog', () => {
  it('forces RLS with an all-commands isolation policy on every table with organization_id', async () => {
    const rows = await tenantTableSecurity(orm.em.getConnection());
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row, row.table).toMatchObject({ enabled: true, forced: true, isolation: 1 });
  });

  it('runs the server as a role that owns nothing, is no superuser and cannot bypass RLS', async () => {
    const [role] = await orm.em
      .getConnection()
      .execute<{ name: string; superuser: boolean; bypass: boolean; owned: number }[]>(`
      select current_user as name, r.rolsuper as superuser, r.rolbypassrls as bypass,
             (select count(*)::int from pg_class c where c.relowner = r.oid) as owned
        from pg_roles r where r.rolname = current_user`);
    expect(role).toEqual({ name: APP_ROLE, superuser: false, bypass: false, owned: 0 });
  });
});

describe('with no organization set', () => {
  it('sees and writes no tenant row (the database fails closed too)', async () => {
    const connection = orm.em.getConnection();
    expect(await connection.execute('select * from "membership"')).toEqual([]);
    expect(await connection.execute('delete from "membership"', [], 'run')).toMatchObject({ affectedRows: 0 });
  });
});

describe('bypasses inside a request scoped to organization A', () => {
  it('the ORM with its filter switched off finds none of B’s rows', async () => {
    const rows = await inOrganization(orgA, (em) => em.find(Membership, {}, { filters: false }));
    expect(rows.every((m) => m.organization.id === orgA)).toBe(true);
    expect(
      await inOrganization(orgA, (em) => em.findOne(Membership, { id: membershipOfB }, { filters: false })),
    ).toBeNull();
  });

  it('raw SQL reads, updates and deletes none of B’s rows', async () => {
    await inOrganization(orgA, async (em) => {
      expect(await em.execute('select * from "membership" where organization_id = ?', [orgB])).toEqual([]);
      expect(
        await em.execute(`update "membership" set role = 'customer' where id = ?`, [membershipOfB], 'run'),
      ).toMatchObject({ affectedRows: 0 });
      expect(await em.execute('delete from "membership" where id = ?', [membershipOfB], 'run')).toMatchObject({
        affectedRows: 0,
      });
    });
    expect(await countB()).toBe(1);
    const role = await inOrganization(orgB, (em) => em.findOneOrFail(Membership, { id: membershipOfB }));
    expect(role.role).toBe('strictops_admin');
  });

  it('a QueryBuilder without filters reads and deletes none of B’s rows', async () => {
    await inOrganization(orgA, async (em) => {
      const rows = await em.createQueryBuilder(Membership).select('*').where({ organization: orgB }).execute();
      expect(rows).toEqual([]);
      await em.createQueryBuilder(Membership).delete().where({ id: membershipOfB }).execute();
    });
    expect(await countB()).toBe(1);
  });

  it('em.remove(em.getReference(…, idOfB)) + flush deletes nothing', async () => {
    // The deliberately careless line: a reference built from an id the caller sent.
    await inOrganization(orgA, async (em) => {
      em.remove(em.getReference(Membership, membershipOfB));
      await em.flush().catch(() => undefined);
    });
    expect(await countB()).toBe(1);
  });

  it('a changed reference to B’s row updates nothing', async () => {
    await inOrganization(orgA, async (em) => {
      const reference = em.getReference(Membership, membershipOfB);
      reference.role = 'customer';
      await em.flush().catch(() => undefined);
    });
    expect((await inOrganization(orgB, (em) => em.findOneOrFail(Membership, { id: membershipOfB }))).role).toBe(
      'strictops_admin',
    );
  });

  it('an insert or upsert into B is refused by the policy’s WITH CHECK', async () => {
    const user = orm.em.fork().create(User, { email: `intruder-${run}@example.com`, name: 'i', passwordHash: 'x' });
    await orm.em.fork().persist(user).flush();
    await expect(
      inOrganization(orgA, async (em) => {
        em.create(Membership, { organization: orgB, user: user.id, role: 'strictops_admin' });
        await em.flush();
      }),
    ).rejects.toThrow(/row-level security/);
    await expect(
      inOrganization(orgA, (em) =>
        em.upsert(Membership, {
          id: membershipOfB,
          organization: orgB,
          user: user.id,
          role: 'customer',
          createdAt: new Date(),
        }),
      ),
    ).rejects.toThrow(/row-level security|duplicate key/);
    expect(await countB()).toBe(1);
  });

  it('cannot lock B’s row either', async () => {
    const found = await inOrganization(orgA, (em) =>
      em.findOne(
        Membership,
        { id: membershipOfB },
        { lockMode: LockMode.PESSIMISTIC_WRITE, filters: { [TENANT_FILTER]: false } },
      ),
    );
    expect(found).toBeNull();
  });
});

describe('context bleed', () => {
  it('alternating requests for A and B on a pool of one connection each see only their own rows', async () => {
    const single = await openDatabase({ url: inject('databaseUrl'), poolSize: 1 });
    try {
      for (let i = 0; i < 6; i++) {
        const organizationId = i % 2 === 0 ? orgA : orgB;
        const rows = await inOrganization(
          organizationId,
          (em) => em.execute<{ organization_id: string }[]>('select organization_id from "membership"'),
          single,
        );
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.every((r) => r.organization_id === organizationId)).toBe(true);
        // Between requests, the connection carries no organization.
        expect(await single.em.getConnection().execute('select * from "membership"')).toEqual([]);
      }
    } finally {
      await single.close();
    }
  });

  it('a transaction whose session variables cannot be set runs no query', async () => {
    let ran = false;
    const em = orm.em.fork();
    em.setSessionContext({ variables: { no_such_setting: 'x' } });
    await expect(
      em.transactional(async () => {
        ran = true;
      }),
    ).rejects.toThrow(/no_such_setting/);
    expect(ran).toBe(false);
  });

  it('session variables never outlive their transaction on a real connection', async () => {
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    try {
      await client.query(`set role ${APP_ROLE}`);
      await client.query('begin');
      await client.query(`select set_config('${ORGANIZATION_SETTING}', $1, true)`, [orgA]);
      expect((await client.query('select count(*)::int as n from "membership"')).rows[0].n).toBeGreaterThan(0);
      await client.query('commit');
      expect((await client.query(`select current_setting('${ORGANIZATION_SETTING}', true) as v`)).rows[0].v).toBe('');
      expect((await client.query('select count(*)::int as n from "membership"')).rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  });
});
