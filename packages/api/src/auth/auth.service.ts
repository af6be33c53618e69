import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Session, User } from '@strictops/db';
import type { RequestOrigin } from '../audit/audit-writer.ts';
import { AppError } from '../errors.ts';
import {
  assertSameEmail,
  assertUsable,
  findInvitationByToken,
  joinByInvitation,
} from '../invitations/accept-invitation.ts';
import {
  createOrganization,
  listOrganizationsOf,
  type OrganizationView,
  withSlugRetry,
} from '../organizations/organizations.service.ts';
import { isUniqueViolation } from '../shared/database-errors.ts';
import type { SessionCaller } from './authenticate.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { type SessionAttributes, sessionStore } from './session-store.ts';

type UserView = { id: string; email: string; name: string; createdAt: Date };

const toUserView = (user: User): UserView => ({
  id: user.id,
  email: user.email,
  name: user.name,
  createdAt: user.createdAt,
});

const clientOf = ({ ip, userAgent }: RequestOrigin) => ({ ip, userAgent });

const defaultOrganizationName = (userName: string) => `${userName}'s organization`;

async function openSession(tx: EntityManager, userId: string, attributes: SessionAttributes) {
  const session = await sessionStore(tx).createSession(userId, attributes);
  return { token: session.id, expiresAt: session.expiresAt };
}

/**
 * Creates the user, their organization, its admin membership and a session, all in one transaction:
 * a failure at any step leaves none of them behind.
 */
export async function signUp(
  em: EntityManager,
  input: { email: string; password: string; name: string; invitationToken?: string | undefined },
  origin: RequestOrigin,
) {
  if ((await em.count(User, { email: input.email })) > 0) throw emailTaken();
  // An invitation is checked before any password hashing: a bad token costs nothing.
  const invitation = input.invitationToken ? await findInvitationByToken(em, input.invitationToken) : undefined;
  if (invitation) {
    assertUsable(invitation);
    assertSameEmail(invitation, input.email);
  }
  const passwordHash = await hashPassword(input.password);
  try {
    if (invitation) {
      // Joins the inviting organization instead of creating one.
      return await em.transactional(async (tx) => {
        const user = tx.create(User, { email: input.email, name: input.name, passwordHash });
        await tx.flush();
        const actor = { type: 'user' as const, id: user.id, display: user.email };
        await joinByInvitation(tx, { found: invitation, userId: user.id, actor, origin });
        const session = await openSession(tx, user.id, {
          ...clientOf(origin),
          activeOrganizationId: invitation.organizationId,
        });
        return { user: toUserView(user), session };
      });
    }
    return await withSlugRetry(em, async (tx) => {
      const user = tx.create(User, { email: input.email, name: input.name, passwordHash });
      const organization = await createOrganization(tx, {
        user,
        name: defaultOrganizationName(input.name),
        origin,
      });
      const session = await openSession(tx, user.id, { ...clientOf(origin), activeOrganizationId: organization.id });
      return { user: toUserView(user), session };
    });
  } catch (error) {
    // Two sign-ups for one email at once: the unique index decides, the loser hears why.
    if (isUniqueViolation(error, 'user_email_lower_unique')) {
      throw emailTaken();
    }
    throw error;
  }
}

const emailTaken = () => new AppError('EMAIL_TAKEN', 'An account with this email already exists', { field: 'email' });

/** A wrong email and a wrong password get the same answer after the same work. */
export async function signIn(em: EntityManager, input: { email: string; password: string }, origin: RequestOrigin) {
  const user = await em.findOne(User, { email: input.email }, { populate: ['passwordHash'] });
  if (!(await verifyPassword(user?.passwordHash, input.password)) || !user) {
    throw new AppError('INVALID_CREDENTIALS', 'Wrong email or password');
  }
  const session = await em
    .fork()
    .transactional((tx) => openSession(tx, user.id, { ...clientOf(origin), activeOrganizationId: null }));
  return { user: toUserView(user), session };
}

export async function signOut(em: EntityManager, caller: SessionCaller) {
  await sessionStore(em).invalidateSession(caller.session.token);
}

export async function signOutEverywhere(em: EntityManager, caller: SessionCaller) {
  await sessionStore(em).invalidateUserSessions(caller.user.id);
}

export async function listSessions(em: EntityManager, caller: SessionCaller) {
  const sessions = await em.find(
    Session,
    { user: caller.user.id, expiresAt: { $gt: new Date() } },
    { orderBy: { lastSeenAt: 'desc', id: 'asc' } },
  );
  return sessions.map((s) => ({
    id: s.id,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
    expiresAt: s.expiresAt,
    ip: s.ip,
    userAgent: s.userAgent,
    current: s.id === caller.session.id,
  }));
}

export async function revokeSession(em: EntityManager, caller: SessionCaller, sessionId: string) {
  const deleted = await em.nativeDelete(Session, { id: sessionId, user: caller.user.id });
  if (deleted === 0) throw new AppError('SESSION_NOT_FOUND', 'Session not found', { field: 'id' });
}

/**
 * The caller, every organization they belong to, and the active one. A user left with no
 * organization gets a new one, as at sign-up. The user row is locked while deciding, so two
 * concurrent calls create exactly one organization.
 */
export async function me(em: EntityManager, caller: SessionCaller, origin: RequestOrigin) {
  let memberships = await listOrganizationsOf(em, caller.user.id);
  if (memberships.length === 0) {
    memberships = await withSlugRetry(em, async (tx) => {
      const user = await tx.findOneOrFail(User, { id: caller.user.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const existing = await listOrganizationsOf(tx, user.id);
      if (existing.length > 0) return existing;
      return [await createOrganization(tx, { user, name: defaultOrganizationName(user.name), origin })];
    });
  }
  const user = await em.findOneOrFail(User, { id: caller.user.id });
  return {
    user: toUserView(user),
    memberships,
    activeOrganization: pickActive(memberships, caller.session.activeOrganizationId),
  };
}

function pickActive(memberships: OrganizationView[], activeId: string | null): OrganizationView | null {
  return memberships.find((m) => m.id === activeId) ?? memberships[0] ?? null;
}
