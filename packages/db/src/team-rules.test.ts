/**
 * The two database objects team management relies on: the one narrow path to an invitation before
 * its organization is known, and the trigger that keeps an organization's last strictops_admin.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Invitation, Membership, Organization, User } from './entities/index.ts';
import { uuidv7 } from './ids.ts';
import { type Orm, openDatabase } from './orm.ts';
import { enterOrganization } from './tenancy.ts';

let orm: Orm;
const run = uuidv7().slice(-12);
let organizationId: string;
let adminMembershipId: string;
const tokenHash = 'f'.repeat(52) + run;

function inOrganization<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
  return orm.em.fork().transactional(async (em) => {
    await enterOrganization(em, organizationId);
    return work(em);
  });
}

beforeAll(async () => {
  orm = await openDatabase({ url: inject('databaseUrl'), poolSize: 2 });
  const em = orm.em.fork();
  const organization = em.create(Organization, { name: 'Team rules', slug: `team-rules-${run}` });
  await em.flush();
  organizationId = organization.id;
  adminMembershipId = await inOrganization(async (tx) => {
    const user = tx.create(User, { email: `rules-${run}@example.com`, name: 'Inviter', passwordHash: 'x' });
    const membership = tx.create(Membership, { organization: organizationId, user, role: 'strictops_admin' });
    tx.create(Invitation, {
      organization: organizationId,
      email: `invitee-${run}@example.com`,
      role: 'customer',
      tokenHash,
      invitedBy: user,
      expiresAt: new Date(Date.now() + 60_000),
    });
    await tx.flush();
    return membership.id;
  });
});

afterAll(() => orm.close());

describe('invitation_by_token_hash', () => {
  it('is the only way the application role sees an invitation without an organization', async () => {
    const connection = orm.em.getConnection();
    expect(await connection.execute('select * from "invitation" where token_hash = ?', [tokenHash])).toEqual([]);
    const rows = await connection.execute('select * from invitation_by_token_hash(?)', [tokenHash]);
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0] as object).sort()).toEqual(
      [
        'email',
        'expires_at',
        'invitation_id',
        'inviter_name',
        'organization_id',
        'organization_name',
        'role',
        'status',
      ].sort(),
    );
    expect(rows[0]).toMatchObject({ organization_id: organizationId, inviter_name: 'Inviter', status: 'pending' });
    expect(await connection.execute('select * from invitation_by_token_hash(?)', ['0'.repeat(64)])).toEqual([]);
  });

  it('runs as its owner with a pinned search path, and only the application role may call it', async () => {
    const [fn] = await orm.em.getConnection().execute<{ definer: boolean; config: string[]; public: boolean }[]>(`
      select p.prosecdef as definer, p.proconfig as config,
             coalesce(bool_or(a.grantee = 0), false) as public
        from pg_proc p left join lateral aclexplode(p.proacl) a on true
       where p.proname = 'invitation_by_token_hash' group by p.prosecdef, p.proconfig`);
    expect(fn).toMatchObject({ definer: true, public: false });
    expect(fn?.config.some((setting) => setting.startsWith('search_path='))).toBe(true);
  });

  it('hides the invitations of a deleted organization', async () => {
    await orm.em.fork().nativeUpdate(Organization, { id: organizationId }, { deletedAt: new Date() });
    try {
      expect(await orm.em.getConnection().execute('select * from invitation_by_token_hash(?)', [tokenHash])).toEqual(
        [],
      );
    } finally {
      await orm.em.fork().nativeUpdate(Organization, { id: organizationId }, { deletedAt: null });
    }
  });
});

describe('membership_keep_an_admin', () => {
  it('refuses to demote or delete the last strictops_admin, even in raw SQL', async () => {
    await expect(
      inOrganization((em) => em.execute(`update membership set role = 'customer' where id = ?`, [adminMembershipId])),
    ).rejects.toThrow(/strictops_last_admin/);
    await expect(
      inOrganization((em) => em.execute('delete from membership where id = ?', [adminMembershipId])),
    ).rejects.toThrow(/strictops_last_admin/);
    expect(await inOrganization((em) => em.count(Membership, { role: 'strictops_admin' }))).toBe(1);
  });
});
