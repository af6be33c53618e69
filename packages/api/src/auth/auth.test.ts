import { Membership, Organization, Session, User } from '@strictops/db';
import { FAIL_MIDWAY_PREFIX } from '@strictops/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createTestApi, expectError, newCookieJar, type TestApi, unique } from '../testing/harness.ts';
import { hashSessionToken } from './session-store.ts';

// argon2's verify, observed (it still runs): how much password work a sign-in does is told by the
// hash it verifies against, which a timing comparison on a shared machine cannot tell reliably.
const argon2Verify = vi.hoisted(() => vi.fn());
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const argon2 = await importOriginal<typeof import('@node-rs/argon2')>();
  argon2Verify.mockImplementation(argon2.verify);
  return { ...argon2, verify: argon2Verify };
});

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

const DAY = 24 * 60 * 60 * 1000;

async function storedSession(token: string) {
  return api.orm.em.fork().findOne(Session, { id: hashSessionToken(token) });
}

describe('auth.signUp', () => {
  it('creates the user, an organization, an admin membership and a session', async () => {
    const email = `${unique('signup')}@Example.COM`;
    const result = await api
      .call()
      .auth.signUp({ email: `  ${email} `, password: 'correct horse battery', name: 'Ada' });
    expect(result.user.email).toBe(email.toLowerCase());
    expect(result.session.token).toMatch(/^[a-z0-9]{40}$/);
    expect(result.session.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * DAY);

    const memberships = await api.asUser(result.user.id, (em) =>
      em.find(Membership, { user: result.user.id }, { filters: false, populate: ['organization'] }),
    );
    expect(memberships).toHaveLength(1);
    expect(memberships[0]?.role).toBe('strictops_admin');
    expect(memberships[0]?.organization.name).toBe("Ada's organization");
    expect(memberships[0]?.organization.slug).toMatch(/^adas-organization(-[0-9a-f]{6})?$/);
    const session = await storedSession(result.session.token);
    expect(session?.activeOrganizationId).toBe(memberships[0]?.organization.id);
  });

  // Guards the promise that sign-up is one transaction: a failure at its last step leaves nothing.
  it('leaves nothing behind when a step fails midway', async () => {
    // The test database fails the session insert for users named so (see @strictops/db/testing).
    const name = unique(FAIL_MIDWAY_PREFIX);
    const email = `${name}@example.com`;
    await expect(api.call().auth.signUp({ email, password: 'correct horse battery', name })).rejects.toThrow();
    const em = api.orm.em.fork();
    expect(await em.count(User, { email })).toBe(0);
    expect(await em.count(Organization, { name: `${name}'s organization` })).toBe(0);
  });

  it('refuses a second account for the same email, whatever its case', async () => {
    const { email } = await api.signUp('dup');
    const error = await expectError(
      api.call().auth.signUp({ email: email.toUpperCase(), password: 'another password', name: 'Dup' }),
      'EMAIL_TAKEN',
    );
    expect((error.cause as { field?: string }).field).toBe('email');
  });

  it.each([
    ['a malformed email', { email: 'not-an-email', password: 'correct horse', name: 'x' }, 'email'],
    ['a short password', { email: 'a@example.com', password: 'short', name: 'x' }, 'password'],
    ['an over-long password', { email: 'a@example.com', password: 'x'.repeat(257), name: 'x' }, 'password'],
    ['an empty name', { email: 'a@example.com', password: 'correct horse', name: '  ' }, 'name'],
    ['an unknown field', { email: 'a@example.com', password: 'correct horse', name: 'x', admin: true }, ''],
    ['a wrong type', { email: 42, password: 'correct horse', name: 'x' }, 'email'],
    ['a missing field', { email: 'a@example.com', name: 'x' }, 'password'],
  ])('refuses %s with a validation error', async (_case, input, field) => {
    const error = await expectError(api.call().auth.signUp(input as never), 'VALIDATION_FAILED');
    const issues = (error.cause as unknown as { issues: { path: (string | number)[] }[] }).issues;
    expect(issues.map((i) => i.path.join('.'))).toContain(field);
  });
});

describe('auth.signIn', () => {
  it('opens a new session with the right password', async () => {
    const user = await api.signUp('signin');
    const result = await api.call().auth.signIn({ email: user.email.toUpperCase(), password: user.password });
    expect(result.user.id).toBe(user.user.id);
    expect(result.session.token).not.toBe(user.token);
    expect((await api.call({ token: result.session.token }).auth.me({})).user.id).toBe(user.user.id);
  });

  it('answers a wrong email and a wrong password alike, after the same password work', async () => {
    const user = await api.signUp('timing');
    const stored = await api.orm.em.fork().findOneOrFail(User, { id: user.user.id }, { populate: ['passwordHash'] });
    // What argon2 was asked to verify against for one sign-in: the cost of the answer, with no clock.
    const verifiedAgainst = async (email: string) => {
      argon2Verify.mockClear();
      await expectError(api.call().auth.signIn({ email, password: 'wrong password' }), 'INVALID_CREDENTIALS');
      return argon2Verify.mock.calls.map(([hash]) => parametersOf(String(hash)));
    };
    const parametersOf = (hash: string) => hash.split('$').slice(1, 4).join('$'); // argon2id$v=19$m=…,t=…,p=…
    expect(await verifiedAgainst(user.email)).toEqual([parametersOf(stored.passwordHash)]);
    // An unknown email still runs one verification, against a hash of the same algorithm and cost.
    expect(await verifiedAgainst(`${unique('nobody')}@example.com`)).toEqual([parametersOf(stored.passwordHash)]);
  });
});

describe('sessions', () => {
  it('refuses an expired session', async () => {
    const user = await api.signUp('expired');
    await api.orm.em
      .fork()
      .nativeUpdate(Session, { id: hashSessionToken(user.token) }, { expiresAt: new Date(Date.now() - 1000) });
    await expectError(api.call({ token: user.token }).auth.me({}), 'UNAUTHENTICATED');
  });

  it('renews a session used in the second half of its life, and re-sets the cookie', async () => {
    const user = await api.signUp('sliding');
    const tenDaysLeft = new Date(Date.now() + 10 * DAY);
    await api.orm.em.fork().nativeUpdate(Session, { id: hashSessionToken(user.token) }, { expiresAt: tenDaysLeft });
    const cookies = newCookieJar();
    const caller = api.call({ token: user.token, viaCookie: true, cookies });
    await caller.auth.me({});
    const renewed = await storedSession(user.token);
    expect(renewed?.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * DAY);
    expect(cookies.set.get('session')?.token).toBe(user.token);
  });

  it('does not renew a session in the first half of its life', async () => {
    const user = await api.signUp('fresh');
    const before = (await storedSession(user.token))?.expiresAt.getTime();
    const cookies = newCookieJar();
    const caller = api.call({ token: user.token, viaCookie: true, cookies });
    await caller.auth.me({});
    expect((await storedSession(user.token))?.expiresAt.getTime()).toBe(before);
    expect(cookies.set.size).toBe(0);
  });

  it('writes a used session at most once an hour (lastSeenAt), not on every request', async () => {
    const user = await api.signUp('last-seen');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await api.orm.em.fork().nativeUpdate(Session, { id: hashSessionToken(user.token) }, { lastSeenAt: twoHoursAgo });
    await api.call({ token: user.token }).auth.me({});
    const seen = (await storedSession(user.token))?.lastSeenAt.getTime() ?? 0;
    expect(seen).toBeGreaterThan(Date.now() - 60_000);
    const minuteAgo = new Date(Date.now() - 60_000);
    await api.orm.em.fork().nativeUpdate(Session, { id: hashSessionToken(user.token) }, { lastSeenAt: minuteAgo });
    await api.call({ token: user.token }).organizations.get({});
    expect((await storedSession(user.token))?.lastSeenAt.getTime()).toBe(minuteAgo.getTime());
  });

  it('looks callers up through a definer function with a pinned search path that reveals nothing without a live credential', async () => {
    const em = api.orm.em.fork();
    const [fn] = await em.execute<{ prosecdef: boolean; proconfig: string[] }[]>(
      `select prosecdef, proconfig from pg_proc where proname = 'request_caller'`,
    );
    expect(fn?.prosecdef).toBe(true);
    expect(fn?.proconfig).toEqual(['search_path=public, pg_temp']);
    const user = await api.signUp('definer');
    const found = (hash: string | null) =>
      em.execute<{ user_id: string }[]>('select user_id from request_caller(?, null, null, null, true)', [hash]);
    expect(await found(hashSessionToken(user.token))).toEqual([{ user_id: user.user.id }]);
    expect(await found(hashSessionToken(`${user.token}x`))).toEqual([]);
    expect(await found(null)).toEqual([]);
  });

  it('stores only a hash of the token', async () => {
    const user = await api.signUp('hashed');
    const rows = await api.orm.em.getConnection().execute('select id from "session" where id = ?', [user.token]);
    expect(rows).toHaveLength(0);
    expect(await storedSession(user.token)).not.toBeNull();
  });

  it('signOut ends this session at once and clears the cookie', async () => {
    const user = await api.signUp('signout');
    const other = await api.call().auth.signIn({ email: user.email, password: user.password });
    const cookies = newCookieJar();
    const caller = api.call({ token: user.token, viaCookie: true, cookies });
    await caller.auth.signOut({});
    expect(cookies.cleared).toBe(1);
    await expectError(api.call({ token: user.token }).auth.me({}), 'UNAUTHENTICATED');
    await expect(api.call({ token: other.session.token }).auth.me({})).resolves.toBeDefined();
  });

  it('signOutEverywhere ends every session of the user, and only theirs', async () => {
    const user = await api.signUp('everywhere');
    const bystander = await api.signUp('bystander');
    const second = await api.call().auth.signIn({ email: user.email, password: user.password });
    await api.call({ token: second.session.token }).auth.signOutEverywhere({});
    await expectError(api.call({ token: user.token }).auth.me({}), 'UNAUTHENTICATED');
    await expectError(api.call({ token: second.session.token }).auth.me({}), 'UNAUTHENTICATED');
    await expect(api.call({ token: bystander.token }).auth.me({})).resolves.toBeDefined();
  });

  it('lists the caller’s sessions and revokes one, which fails on its very next request', async () => {
    const user = await api.signUp('revoke');
    const laptop = await api.call().auth.signIn({ email: user.email, password: user.password });
    const { items } = await api.call({ token: user.token }).auth.sessions({});
    expect(items).toHaveLength(2);
    expect(items.filter((s) => s.current)).toHaveLength(1);
    const target = items.find((s) => !s.current);
    await api.call({ token: user.token }).auth.revokeSession({ id: target?.id as string });
    await expectError(api.call({ token: laptop.session.token }).auth.me({}), 'UNAUTHENTICATED');
    await expect(api.call({ token: user.token }).auth.me({})).resolves.toBeDefined();
  });

  it('cannot revoke another user’s session', async () => {
    const owner = await api.signUp('owner');
    const attacker = await api.signUp('attacker');
    await expectError(
      api.call({ token: attacker.token }).auth.revokeSession({ id: hashSessionToken(owner.token) }),
      'SESSION_NOT_FOUND',
    );
    await expect(api.call({ token: owner.token }).auth.me({})).resolves.toBeDefined();
  });
});

describe('auth.me', () => {
  async function userWithoutOrganization() {
    const user = await api.signUp('orphan');
    await api.orm.em.fork().nativeDelete(Organization, { id: user.organization.id });
    return user;
  }

  it('creates an organization for a signed-in user who has none', async () => {
    const user = await userWithoutOrganization();
    const me = await api.call({ token: user.token }).auth.me({});
    expect(me.memberships).toHaveLength(1);
    expect(me.activeOrganization?.role).toBe('strictops_admin');
    expect(me.activeOrganization?.id).not.toBe(user.organization.id);
  });

  it.skipIf(inject('embeddedDatabase'))(
    'creates exactly one organization when called concurrently (real PostgreSQL only: PGlite serializes everything)',
    async () => {
      const user = await userWithoutOrganization();
      const results = await Promise.all(Array.from({ length: 20 }, () => api.call({ token: user.token }).auth.me({})));
      const ids = new Set(results.map((r) => r.activeOrganization?.id));
      expect(ids.size).toBe(1);
      const count = await api.asUser(user.user.id, (em) =>
        em.count(Membership, { user: user.user.id }, { filters: false }),
      );
      expect(count).toBe(1);
    },
  );
});
