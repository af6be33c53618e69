import { AuditEvent, Invitation, Membership, Organization, User } from '@strictops/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../root.ts';
import { createTestApi, expectError, TEST_PUBLIC_URL, type TestApi, unique } from '../testing/harness.ts';
import { createContext } from '../trpc/context.ts';
import { createCallerFactory } from '../trpc/init.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

const newEmail = (label: string) => `${unique(label)}@example.com`;
const password = 'correct horse battery';

async function invite(admin: { token: string }, email: string, role: 'customer' | 'strictops_admin' = 'customer') {
  return api.call({ token: admin.token }).invitations.create({ email, role });
}

describe('invitations.create', () => {
  it('stores a pending invitation for the normalized email and mails a link built from PUBLIC_URL', async () => {
    const admin = await api.signUp('inviter');
    const email = newEmail('Colleague');
    const invitation = await invite(admin, `  ${email.toUpperCase()} `);
    expect(invitation).toMatchObject({ email: email.toLowerCase(), role: 'customer', status: 'pending' });
    expect(invitation.invitedBy).toEqual({ id: admin.user.id, name: 'inviter' });
    const days = (invitation.expiresAt.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);

    const mail = api.mailer.outbox.findLast((m) => m.to === email.toLowerCase());
    expect(mail?.acceptUrl?.startsWith(`${TEST_PUBLIC_URL}/invitations/accept?token=`)).toBe(true);
    expect(mail?.text).toContain(mail?.acceptUrl);
    expect(mail?.subject).toContain(admin.organization.name);

    // Only the hash is stored: the token from the email appears nowhere in the row.
    const token = api.tokenSentTo(email);
    const row = await api.inOrganization(admin.organization.id, (em) => em.findOneOrFail(Invitation, invitation.id));
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token);

    const events = await api.inOrganization(admin.organization.id, (em) =>
      em.find(AuditEvent, { action: 'invitation.created', targetId: invitation.id }),
    );
    expect(events).toHaveLength(1);
    expect(events[0]?.actorId).toBe(admin.user.id);
  });

  it('refuses an existing member and an email that already has a pending invitation, as CONFLICT', async () => {
    const admin = await api.signUp('conflicts');
    const member = await api.memberOf(admin.organization.id, 'customer', 'existing');
    await expectError(invite(admin, member.email), 'ALREADY_MEMBER');
    const email = newEmail('twice');
    await invite(admin, email);
    await expectError(invite(admin, email.toUpperCase()), 'INVITATION_PENDING');
  });

  it('allows a new invitation once the previous one expired', async () => {
    const admin = await api.signUp('reinvite');
    const email = newEmail('late');
    const first = await invite(admin, email);
    await api.inOrganization(admin.organization.id, (em) =>
      em.nativeUpdate(Invitation, { id: first.id }, { expiresAt: new Date(Date.now() - 1000) }),
    );
    const second = await invite(admin, email);
    expect(second.id).not.toBe(first.id);
    const { items } = await api.call({ token: admin.token }).invitations.list({ status: 'expired' });
    expect(items.map((i) => i.id)).toEqual([first.id]);
  });

  it.each([
    [{ email: 'not-an-email', role: 'customer' }],
    [{ email: 'a@example.com', role: 'owner' }],
    [{ email: 'a@example.com', role: 'customer', organizationId: 'x' }],
  ])('refuses bad input %j', async (input) => {
    const admin = await api.signUp('badinvite');
    await expectError(api.call({ token: admin.token }).invitations.create(input as never), 'VALIDATION_FAILED');
  });
});

describe('accepting', () => {
  it('signs a colleague up through the link into the inviting organization as customer', async () => {
    const admin = await api.signUp('onboarder');
    const email = newEmail('newcomer');
    const invitation = await invite(admin, email);
    const token = api.tokenSentTo(email);

    const preview = await api.call().invitations.lookup({ token });
    expect(preview).toEqual({
      organizationName: admin.organization.name,
      inviterName: 'onboarder',
      role: 'customer',
      expiresAt: invitation.expiresAt,
    });

    const { session } = await api.call().auth.signUp({ email, password, name: 'Newcomer', invitationToken: token });
    const me = await api.call({ token: session.token }).auth.me({});
    expect(me.memberships.map((m) => [m.id, m.role])).toEqual([[admin.organization.id, 'customer']]);
    expect(me.activeOrganization?.id).toBe(admin.organization.id);

    const { items } = await api.call({ token: admin.token }).invitations.list({ status: 'accepted' });
    expect(items.map((i) => i.id)).toEqual([invitation.id]);
    expect(items[0]?.acceptedAt).toBeInstanceOf(Date);
    await expectError(api.call().invitations.lookup({ token }), 'INVITATION_ALREADY_ACCEPTED');
  });

  it('lets a signed-in user with the invited email accept; the organization becomes the active one', async () => {
    const admin = await api.signUp('acceptor-admin');
    const user = await api.signUp('acceptor');
    await invite(admin, user.email, 'strictops_admin');
    const joined = await api.call({ token: user.token }).invitations.accept({ token: api.tokenSentTo(user.email) });
    expect(joined).toMatchObject({ id: admin.organization.id, role: 'strictops_admin' });
    expect((await api.call({ token: user.token }).organizations.get({})).id).toBe(admin.organization.id);
    const events = await api.inOrganization(admin.organization.id, (em) =>
      em.find(AuditEvent, { action: { $in: ['invitation.accepted', 'member.added'] }, actorId: user.user.id }),
    );
    expect(events.map((e) => e.action).sort()).toEqual(['invitation.accepted', 'member.added']);
  });

  it('tells a different account that the invitation is for another email, and changes nothing', async () => {
    const admin = await api.signUp('mismatch-admin');
    const invited = newEmail('invited');
    await invite(admin, invited);
    const other = await api.signUp('other');
    const token = api.tokenSentTo(invited);
    const error = await expectError(
      api.call({ token: other.token }).invitations.accept({ token }),
      'INVITATION_EMAIL_MISMATCH',
    );
    expect(error.message).toContain('another email address');
    await expectError(
      api.call().auth.signUp({ email: newEmail('wrong'), password, name: 'W', invitationToken: token }),
      'INVITATION_EMAIL_MISMATCH',
    );
    await expect(api.call().invitations.lookup({ token })).resolves.toBeDefined();
  });

  it('gives unknown, revoked, expired and used tokens each their own error', async () => {
    const admin = await api.signUp('states');
    const user = await api.signUp('states-user');
    const accept = (token: string) => api.call({ token: user.token }).invitations.accept({ token });

    await expectError(accept('u'.repeat(43)), 'INVITATION_NOT_FOUND');
    await expectError(api.call().invitations.lookup({ token: 'u'.repeat(43) }), 'INVITATION_NOT_FOUND');

    const revoked = await invite(admin, user.email);
    const revokedToken = api.tokenSentTo(user.email);
    await api.call({ token: admin.token }).invitations.revoke({ id: revoked.id });
    await expectError(accept(revokedToken), 'INVITATION_REVOKED');
    await expectError(api.call().invitations.lookup({ token: revokedToken }), 'INVITATION_REVOKED');

    const expired = await invite(admin, user.email);
    const expiredToken = api.tokenSentTo(user.email);
    await api.inOrganization(admin.organization.id, (em) =>
      em.nativeUpdate(Invitation, { id: expired.id }, { expiresAt: new Date(Date.now() - 1000) }),
    );
    await expectError(accept(expiredToken), 'INVITATION_EXPIRED');
    await expectError(api.call().invitations.lookup({ token: expiredToken }), 'INVITATION_EXPIRED');

    await api.call({ token: admin.token }).invitations.resend({ id: expired.id });
    const usedToken = api.tokenSentTo(user.email);
    await accept(usedToken);
    await expectError(accept(usedToken), 'INVITATION_ALREADY_ACCEPTED');
    await expectError(accept('bad token!'), 'VALIDATION_FAILED');
  });

  it('does not create the account when sign-up through an unusable invitation fails', async () => {
    const email = newEmail('ghost');
    await expectError(
      api.call().auth.signUp({ email, password, name: 'Ghost', invitationToken: 'g'.repeat(43) }),
      'INVITATION_NOT_FOUND',
    );
    expect(await api.orm.em.fork().count(User, { email })).toBe(0);
  });

  it('finds nothing for the invitations of a deleted organization', async () => {
    const admin = await api.signUp('deleted-inviter');
    const email = newEmail('orphan');
    await invite(admin, email);
    await api.call({ token: admin.token }).organizations.delete({ confirmSlug: admin.organization.slug });
    await expectError(api.call().invitations.lookup({ token: api.tokenSentTo(email) }), 'INVITATION_NOT_FOUND');
  });
});

describe('revoke, resend, list', () => {
  it('resend issues a new token, kills the old one and restarts the seven days', async () => {
    const admin = await api.signUp('resender');
    const email = newEmail('resent');
    const invitation = await invite(admin, email);
    const oldToken = api.tokenSentTo(email);
    await api.inOrganization(admin.organization.id, (em) =>
      em.nativeUpdate(Invitation, { id: invitation.id }, { expiresAt: new Date(Date.now() + 60_000) }),
    );
    const resent = await api.call({ token: admin.token }).invitations.resend({ id: invitation.id });
    const newToken = api.tokenSentTo(email);
    expect(newToken).not.toBe(oldToken);
    expect(resent.expiresAt.getTime()).toBeGreaterThan(Date.now() + 6.9 * 86_400_000);
    await expectError(api.call().invitations.lookup({ token: oldToken }), 'INVITATION_NOT_FOUND');
    await expect(api.call().invitations.lookup({ token: newToken })).resolves.toMatchObject({ role: 'customer' });
  });

  it('refuses to resend a revoked or accepted invitation, and to revoke an accepted one', async () => {
    const admin = await api.signUp('closed');
    const revoked = await invite(admin, newEmail('r'));
    await api.call({ token: admin.token }).invitations.revoke({ id: revoked.id });
    await expectError(api.call({ token: admin.token }).invitations.resend({ id: revoked.id }), 'INVITATION_REVOKED');

    const user = await api.signUp('closed-user');
    const accepted = await invite(admin, user.email);
    await api.call({ token: user.token }).invitations.accept({ token: api.tokenSentTo(user.email) });
    await expectError(
      api.call({ token: admin.token }).invitations.revoke({ id: accepted.id }),
      'INVITATION_ALREADY_ACCEPTED',
    );
    await expectError(
      api.call({ token: admin.token }).invitations.resend({ id: accepted.id }),
      'INVITATION_ALREADY_ACCEPTED',
    );
  });

  it('does not find another organization’s invitation by id', async () => {
    const admin = await api.signUp('mine');
    const stranger = await api.signUp('theirs');
    const theirs = await invite(stranger, newEmail('theirs'));
    await expectError(api.call({ token: admin.token }).invitations.revoke({ id: theirs.id }), 'INVITATION_NOT_FOUND');
    await expectError(api.call({ token: admin.token }).invitations.resend({ id: theirs.id }), 'INVITATION_NOT_FOUND');
    const unchanged = await api.inOrganization(stranger.organization.id, (em) =>
      em.findOneOrFail(Invitation, theirs.id),
    );
    expect(unchanged.status).toBe('pending');
  });

  it('lists by status with cursor pagination', async () => {
    const admin = await api.signUp('lister');
    // Five invitations are more members than FREE allows (pending invitations count).
    await api.orm.em.fork().nativeUpdate(Organization, { id: admin.organization.id }, { tier: 'STARTER' });
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await invite(admin, newEmail(`page${i}`)));
    await api.call({ token: admin.token }).invitations.revoke({ id: created[4]?.id as string });

    const list = api.call({ token: admin.token }).invitations.list;
    const first = await list({ limit: 2 });
    expect(first.items.map((i) => i.id)).toEqual(created.slice(0, 2).map((i) => i.id));
    const second = await list({ limit: 2, cursor: first.nextCursor as string });
    const third = await list({ limit: 2, cursor: second.nextCursor as string });
    expect([...second.items, ...third.items].map((i) => i.id)).toEqual(created.slice(2).map((i) => i.id));
    expect(third.nextCursor).toBeNull();

    expect((await list({ status: 'pending' })).items).toHaveLength(4);
    expect((await list({ status: 'revoked' })).items.map((i) => i.id)).toEqual([created[4]?.id]);
    await expectError(list({ limit: 201 }), 'VALIDATION_FAILED');
    await expectError(list({ cursor: 'nope' }), 'VALIDATION_FAILED');
  });

  it('lets a customer read invitations but not invite', async () => {
    const admin = await api.signUp('perm-admin');
    const customer = await api.memberOf(admin.organization.id, 'customer', 'perm-customer');
    await invite(admin, newEmail('seen'));
    const asCustomer = api.call({ token: customer.token, organization: admin.organization.id });
    expect((await asCustomer.invitations.list({})).items).toHaveLength(1);
    await expectError(asCustomer.invitations.create({ email: newEmail('x'), role: 'customer' }), 'PERMISSION_DENIED');
  });

  it('two acceptances of one token at once: exactly one membership', async () => {
    const admin = await api.signUp('double');
    const user = await api.signUp('double-user');
    await invite(admin, user.email);
    const token = api.tokenSentTo(user.email);
    const results = await Promise.allSettled([
      api.call({ token: user.token }).invitations.accept({ token }),
      api.call({ token: user.token }).invitations.accept({ token }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const count = await api.inOrganization(admin.organization.id, (em) => em.count(Membership, { user: user.user.id }));
    expect(count).toBe(1);
  });
});

describe('delivery failure', () => {
  it('rolls the invitation back and answers MAIL_DELIVERY_FAILED when the mailer fails', async () => {
    const admin = await api.signUp('undelivered');
    const failing = createCallerFactory(appRouter)(
      createContext(
        {
          orm: api.orm,
          secrets: api.secrets,
          mailer: {
            sendInvitation: async () => {
              throw new Error('relay down');
            },
            send: async () => {
              throw new Error('relay down');
            },
          },
        },
        {
          requestId: unique('req'),
          ip: null,
          userAgent: null,
          bearerToken: admin.token,
          cookieToken: null,
          organization: null,
        },
        { setSessionCookie: () => {}, clearSessionCookie: () => {}, setHeader: () => {} },
      ),
    );
    await expectError(
      failing.invitations.create({ email: newEmail('lost'), role: 'customer' }),
      'MAIL_DELIVERY_FAILED',
    );
    const { items } = await api.call({ token: admin.token }).invitations.list({});
    expect(items).toEqual([]);
  });
});
