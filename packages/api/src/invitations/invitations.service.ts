import type { EntityManager } from '@mikro-orm/postgresql';
import {
  INVITATION_LIFETIME_MS,
  Invitation,
  type InvitationStatus,
  Membership,
  Organization,
  type Role,
} from '@strictops/db';
import { type Actor, type AuditScope, type RequestOrigin, recordAuditEvent } from '../audit/audit-writer.ts';
import { assertEntitled } from '../entitlements/usage.ts';
import { AppError } from '../errors.ts';
import { flushOrDuplicate } from '../shared/database-errors.ts';
import { keysetPage } from '../shared/pagination.ts';
import { dateOf, optionalDateOf } from '../shared/sql.ts';
import type { RunInTransaction } from '../trpc/transaction.ts';
import {
  assertSameEmail,
  assertUsable,
  effectiveStatus,
  findInvitationByToken,
  hashInvitationToken,
  joinByInvitation,
  newInvitationToken,
} from './accept-invitation.ts';
import type { Mailer } from './mailer.ts';

export const toInvitationView = (invitation: Invitation) => ({
  id: invitation.id,
  email: invitation.email,
  role: invitation.role,
  status: effectiveStatus(invitation),
  invitedBy: invitation.invitedBy ? { id: invitation.invitedBy.id, name: invitation.invitedBy.name } : null,
  createdAt: invitation.createdAt,
  expiresAt: invitation.expiresAt,
  acceptedAt: invitation.acceptedAt ?? null,
  revokedAt: invitation.revokedAt ?? null,
});

const invitationNotFound = () => new AppError('INVITATION_NOT_FOUND', 'Invitation not found', { field: 'id' });
const pendingExists = (email: string, cause?: unknown) =>
  new AppError('INVITATION_PENDING', `${email} already has a pending invitation: resend or revoke it`, {
    field: 'email',
    cause,
  });

/** One pending invitation per email and organization. */
const PENDING_EMAIL_INDEX = 'invitation_pending_email_unique';

type Delivery = { mailer: Mailer; inviterName: string };

/** What the email says: everything but the link's token is known before the invitation is written. */
type Invite = { email: string; organizationName: string; role: Role; expiresAt: Date };

/**
 * Sends the invitation email. Runs with no transaction open (a relay may take seconds): the
 * invitation is written after the email has gone, so a failed send leaves nothing pending that
 * nobody received.
 */
async function deliver(invite: Invite, token: string, { mailer, inviterName }: Delivery) {
  try {
    await mailer.sendInvitation({
      to: invite.email,
      organizationName: invite.organizationName,
      inviterName,
      role: invite.role,
      token,
      expiresAt: invite.expiresAt,
    });
  } catch (error) {
    throw new AppError('MAIL_DELIVERY_FAILED', 'The invitation email could not be sent; try again', { cause: error });
  }
}

/** Refuses an invitation the organization cannot take now; expires stale pending ones first. */
async function assertInvitable(em: EntityManager, { audit, email }: { audit: AuditScope; email: string }) {
  if ((await em.count(Membership, { user: { email } })) > 0) {
    throw new AppError('ALREADY_MEMBER', `${email} is already a member of this organization`, { field: 'email' });
  }
  // A stale pending invitation is marked expired, which frees its email for a new one.
  await em.nativeUpdate(
    Invitation,
    { email, status: 'pending', expiresAt: { $lte: new Date() } },
    { status: 'expired' },
  );
  if ((await em.count(Invitation, { email, status: 'pending' })) > 0) throw pendingExists(email);
  // Members count pending invitations too (SPEC §5), so the limit is checked with stale ones expired.
  await assertEntitled(em, { organizationId: audit.organizationId, limit: 'members' });
}

/**
 * Invites `email`: checks that the organization can take the invitation, sends the email, then
 * writes the invitation in a short transaction that checks again (a membership, another pending
 * invitation or the limit may have arrived while the email was sent: then the link sent leads
 * nowhere, and the caller gets that error).
 */
export async function createInvitation(
  transaction: RunInTransaction,
  { audit, email, role, delivery }: { audit: AuditScope; email: string; role: Role; delivery: Delivery },
) {
  const organizationName = await transaction(async (em) => {
    await assertInvitable(em, { audit, email });
    return (await em.findOneOrFail(Organization, { id: audit.organizationId })).name;
  });
  const token = newInvitationToken();
  const expiresAt = new Date(Date.now() + INVITATION_LIFETIME_MS);
  await deliver({ email, organizationName, role, expiresAt }, token, delivery);
  return transaction(async (tx) => {
    await assertInvitable(tx, { audit, email });
    const organization = await tx.findOneOrFail(Organization, { id: audit.organizationId });
    const invitation = tx.create(Invitation, {
      organization,
      email,
      role,
      tokenHash: hashInvitationToken(token),
      // The caller's own id, from their session: never an id a caller sent.
      invitedBy: audit.actor.type === 'user' ? audit.actor.id : null,
      expiresAt,
    });
    await flushOrDuplicate(tx, (error) => pendingExists(email, error), { constraint: PENDING_EMAIL_INDEX });
    await recordAuditEvent(tx, audit, {
      action: 'invitation.created',
      target: { type: 'invitation', id: invitation.id, display: email },
      changes: { email: { after: email }, role: { after: role } },
    });
    await tx.populate(invitation, ['invitedBy']);
    return toInvitationView(invitation);
  });
}

type InvitationRow = {
  id: string;
  email: string;
  role: Invitation['role'];
  status: InvitationStatus;
  invited_by_id: string | null;
  invited_by_name: string | null;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
};

/** How each status filter reads in SQL: a pending invitation past its expiry is expired. */
const STATUS_SQL: Record<InvitationStatus, string> = {
  pending: `i.status = 'pending' and i.expires_at > ?`,
  expired: `(i.status = 'expired' or (i.status = 'pending' and i.expires_at <= ?))`,
  accepted: `i.status = 'accepted'`,
  revoked: `i.status = 'revoked'`,
};

/** A page of invitations, oldest first, with the inviter's name: plain rows, one query. */
export async function listInvitations(
  em: EntityManager,
  {
    organizationId,
    status,
    cursor,
    limit,
  }: { organizationId: string; status?: InvitationStatus; cursor?: string; limit: number },
) {
  const now = new Date();
  return keysetPage(
    em,
    {
      select: `select i.id, i.email, i.role, i.status, i.invited_by_id, u.name as invited_by_name, i.created_at,
                      i.expires_at, i.accepted_at, i.revoked_at
                 from "invitation" i left join "user" u on u.id = i.invited_by_id`,
      organizationId,
      organizationColumn: 'i.organization_id',
      filters: [[status ? STATUS_SQL[status] : '', status && now]],
      key: 'i.id',
      order: 'asc',
      cursor,
      limit,
    },
    (row: InvitationRow) => {
      const expiresAt = dateOf(row.expires_at);
      return {
        id: row.id,
        email: row.email,
        role: row.role,
        status: effectiveStatus({ status: row.status, expiresAt }, now),
        invitedBy: row.invited_by_id ? { id: row.invited_by_id, name: row.invited_by_name ?? '' } : null,
        createdAt: dateOf(row.created_at),
        expiresAt,
        acceptedAt: optionalDateOf(row.accepted_at),
        revokedAt: optionalDateOf(row.revoked_at),
      };
    },
  );
}

async function loadInvitation(em: EntityManager, id: string) {
  const invitation = await em.findOne(Invitation, { id }, { populate: ['invitedBy', 'organization'] });
  if (!invitation) throw invitationNotFound();
  return invitation;
}

export async function revokeInvitation(em: EntityManager, { audit, id }: { audit: AuditScope; id: string }) {
  return em.transactional(async (tx) => {
    const invitation = await loadInvitation(tx, id);
    if (invitation.status === 'accepted') assertUsable(invitation);
    if (invitation.status === 'revoked') return toInvitationView(invitation);
    const before = effectiveStatus(invitation);
    invitation.status = 'revoked';
    invitation.revokedAt = new Date();
    await tx.flush();
    await recordAuditEvent(tx, audit, {
      action: 'invitation.revoked',
      target: { type: 'invitation', id: invitation.id, display: invitation.email },
      changes: { status: { before, after: 'revoked' } },
    });
    return toInvitationView(invitation);
  });
}

/**
 * A new token (the old link stops working) and seven more days. Accepted and revoked ones stay
 * closed. The email is sent first, with no transaction open; the new token is written afterwards
 * in a short transaction that checks the invitation again (accepted or revoked meanwhile: the new
 * link leads nowhere, and the caller gets that error).
 */
export async function resendInvitation(
  transaction: RunInTransaction,
  { audit, id, delivery }: { audit: AuditScope; id: string; delivery: Delivery },
) {
  const invite = await transaction(async (em) => {
    const invitation = await loadInvitation(em, id);
    assertResendable(invitation);
    const organization = await em.findOneOrFail(Organization, { id: audit.organizationId });
    return { email: invitation.email, role: invitation.role, organizationName: organization.name };
  });
  const token = newInvitationToken();
  const expiresAt = new Date(Date.now() + INVITATION_LIFETIME_MS);
  await deliver({ ...invite, expiresAt }, token, delivery);
  return transaction(async (tx) => {
    const invitation = await loadInvitation(tx, id);
    assertResendable(invitation);
    invitation.tokenHash = hashInvitationToken(token);
    invitation.status = 'pending';
    invitation.expiresAt = expiresAt;
    await flushOrDuplicate(tx, (error) => pendingExists(invitation.email, error), { constraint: PENDING_EMAIL_INDEX });
    await recordAuditEvent(tx, audit, {
      action: 'invitation.resent',
      target: { type: 'invitation', id: invitation.id, display: invitation.email },
    });
    return toInvitationView(invitation);
  });
}

const assertResendable = (invitation: Invitation) => {
  if (invitation.status === 'accepted' || invitation.status === 'revoked') assertUsable(invitation);
};

/** What the accept page shows. Unusable tokens get their own errors. */
export async function lookupInvitation(em: EntityManager, token: string) {
  const found = await findInvitationByToken(em, token);
  assertUsable(found);
  return {
    organizationName: found.organizationName,
    inviterName: found.inviterName,
    role: found.role,
    expiresAt: found.expiresAt,
  };
}

export async function acceptInvitation(
  em: EntityManager,
  {
    token,
    user,
    sessionId,
    actor,
    origin,
  }: { token: string; user: { id: string; email: string }; sessionId: string; actor: Actor; origin: RequestOrigin },
) {
  const found = await findInvitationByToken(em, token);
  assertUsable(found);
  assertSameEmail(found, user.email);
  return joinByInvitation(em, { found, userId: user.id, actor, origin, sessionId });
}
