import { randomBytes } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  enterOrganization,
  Invitation,
  type InvitationStatus,
  Membership,
  Organization,
  type Role,
  Session,
} from '@strictops/db';
import { type Actor, type RequestOrigin, recordAuditEvent } from '../audit/audit-writer.ts';
import { AppError } from '../errors.ts';
import { toOrganizationView } from '../organizations/organizations.service.ts';
import { flushOrDuplicate } from '../shared/database-errors.ts';
import { sha256Hex } from '../shared/hashing.ts';

export const newInvitationToken = () => randomBytes(32).toString('base64url');
export const hashInvitationToken = (token: string) => sha256Hex(token);

/** What the `invitation_by_token_hash` function returns: the one cross-organization read of invitations. */
export type TokenInvitation = {
  invitationId: string;
  organizationId: string;
  organizationName: string;
  email: string;
  role: Role;
  status: InvitationStatus;
  expiresAt: Date;
  inviterName: string | null;
};

type Row = {
  invitation_id: string;
  organization_id: string;
  organization_name: string;
  email: string;
  role: Role;
  status: InvitationStatus;
  expires_at: Date | string;
  inviter_name: string | null;
};

export function effectiveStatus(invitation: { status: InvitationStatus; expiresAt: Date }, now = new Date()) {
  return invitation.status === 'pending' && invitation.expiresAt <= now ? 'expired' : invitation.status;
}

/** Each unusable state gets its own error, so the accept page can say what happened. */
export function assertUsable(invitation: { status: InvitationStatus; expiresAt: Date }) {
  switch (effectiveStatus(invitation)) {
    case 'pending':
      return;
    case 'accepted':
      throw new AppError('INVITATION_ALREADY_ACCEPTED', 'This invitation has already been accepted');
    case 'revoked':
      throw new AppError('INVITATION_REVOKED', 'This invitation was revoked; ask for a new one');
    case 'expired':
      throw new AppError('INVITATION_EXPIRED', 'This invitation has expired; ask for a new one');
  }
}

/**
 * Finds an invitation by its token before its organization is known. Row-level security hides
 * every invitation from the application role until an organization is set, so this goes through
 * the SECURITY DEFINER function created with the table: a fixed query by token hash that returns
 * only these fields. A deleted organization's invitations are not found.
 */
export async function findInvitationByToken(em: EntityManager, token: string): Promise<TokenInvitation> {
  const rows = (await em.execute('select * from invitation_by_token_hash(?)', [hashInvitationToken(token)])) as Row[];
  const row = rows[0];
  if (!row) throw new AppError('INVITATION_NOT_FOUND', 'No invitation has this token', { field: 'token' });
  return {
    invitationId: row.invitation_id,
    organizationId: row.organization_id,
    organizationName: row.organization_name,
    email: row.email,
    role: row.role,
    status: row.status,
    expiresAt: new Date(row.expires_at),
    inviterName: row.inviter_name,
  };
}

export function assertSameEmail(invitation: TokenInvitation, email: string) {
  if (invitation.email.toLowerCase() !== email.toLowerCase()) {
    throw new AppError(
      'INVITATION_EMAIL_MISMATCH',
      `This invitation was sent to another email address, not to ${email}: sign in with the invited address`,
      { field: 'token' },
    );
  }
}

const alreadyMember = (cause?: unknown) =>
  new AppError('ALREADY_MEMBER', 'You are already a member of this organization', { cause });

/**
 * Turns an invitation into a membership, inside the caller's transaction, which this scopes to the
 * invitation's organization. The invitation row is locked, so two acceptances of one token cannot
 * both succeed. Makes the organization the session's active one when a session is given.
 */
export async function joinByInvitation(
  em: EntityManager,
  {
    found,
    userId,
    actor,
    origin,
    sessionId,
  }: { found: TokenInvitation; userId: string; actor: Actor; origin: RequestOrigin; sessionId?: string },
) {
  await enterOrganization(em, found.organizationId);
  const invitation = await em.findOneOrFail(
    Invitation,
    { id: found.invitationId },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  assertUsable(invitation);
  if ((await em.count(Membership, { user: userId })) > 0) {
    throw alreadyMember();
  }
  const membership = em.create(Membership, { organization: found.organizationId, user: userId, role: invitation.role });
  invitation.status = 'accepted';
  invitation.acceptedAt = new Date();
  await flushOrDuplicate(em, alreadyMember);
  const audit = { organizationId: found.organizationId, actor, origin };
  await recordAuditEvent(em, audit, {
    action: 'invitation.accepted',
    target: { type: 'invitation', id: invitation.id, display: invitation.email },
  });
  await recordAuditEvent(em, audit, {
    action: 'member.added',
    target: { type: 'member', id: membership.id, display: invitation.email },
    changes: { role: { after: invitation.role } },
  });
  if (sessionId) await em.nativeUpdate(Session, { id: sessionId }, { activeOrganizationId: found.organizationId });
  const organization = await em.findOneOrFail(Organization, { id: found.organizationId });
  return toOrganizationView(organization, invitation.role);
}
