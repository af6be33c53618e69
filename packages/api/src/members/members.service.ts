import type { EntityManager } from '@mikro-orm/postgresql';
import { Membership, type Role } from '@strictops/db';
import { type AuditScope, diff, recordAuditEvent } from '../audit/audit-writer.ts';
import { AppError } from '../errors.ts';
import { flushOrRefuse, isDatabaseRefusal } from '../shared/database-errors.ts';
import { keysetPage } from '../shared/pagination.ts';
import { dateOf } from '../shared/sql.ts';

export const toMemberView = (membership: Membership) => ({
  id: membership.id,
  userId: membership.user.id,
  name: membership.user.name,
  email: membership.user.email,
  role: membership.role,
  joinedAt: membership.createdAt,
});

const lastAdmin = (cause: unknown) =>
  new AppError(
    'LAST_ADMIN',
    'An organization must keep at least one strictops_admin: promote someone else first, or delete the organization',
    { cause },
  );

/**
 * Flushes a change to memberships; the database refuses one that would leave no admin (the
 * `membership_keep_an_admin` trigger, which holds the last-admin rule, raises `strictops_last_admin`).
 */
const flushGuarded = (em: EntityManager) =>
  flushOrRefuse(em, (error) => (isDatabaseRefusal(error, 'strictops_last_admin') ? lastAdmin(error) : undefined));

type MemberRow = { id: string; user_id: string; name: string; email: string; role: Role; created_at: string };

/** A page of members, by membership id, with each one's name and email: plain rows, one query. */
export async function listMembers(
  em: EntityManager,
  { organizationId, cursor, limit }: { organizationId: string; cursor?: string; limit: number },
) {
  return keysetPage(
    em,
    {
      select: `select m.id, m.user_id, u.name, u.email, m.role, m.created_at
                 from "membership" m join "user" u on u.id = m.user_id`,
      organizationId,
      organizationColumn: 'm.organization_id',
      key: 'm.id',
      order: 'asc',
      cursor,
      limit,
    },
    (row: MemberRow) => ({
      id: row.id,
      userId: row.user_id,
      name: row.name,
      email: row.email,
      role: row.role,
      joinedAt: dateOf(row.created_at),
    }),
  );
}

async function loadMember(em: EntityManager, id: string) {
  const membership = await em.findOne(Membership, { id }, { populate: ['user'] });
  if (!membership) throw new AppError('MEMBER_NOT_FOUND', 'Member not found', { field: 'id' });
  return membership;
}

export async function updateMemberRole(
  em: EntityManager,
  { audit, id, role }: { audit: AuditScope; id: string; role: Role },
) {
  return em.transactional(async (tx) => {
    const membership = await loadMember(tx, id);
    const changes = diff({ role: membership.role }, { role });
    if (!changes) return toMemberView(membership);
    membership.role = role;
    await flushGuarded(tx);
    await recordAuditEvent(tx, audit, {
      action: 'member.role_updated',
      target: { type: 'member', id: membership.id, display: membership.user.email },
      changes,
    });
    return toMemberView(membership);
  });
}

async function removeMembership(em: EntityManager, audit: AuditScope, id: string, action: string) {
  return em.transactional(async (tx) => {
    const membership = await loadMember(tx, id);
    const view = toMemberView(membership);
    tx.remove(membership);
    await flushGuarded(tx);
    await recordAuditEvent(tx, audit, {
      action,
      target: { type: 'member', id: view.id, display: view.email },
      changes: { role: { before: view.role } },
    });
    return view;
  });
}

/** An admin removes a member (themselves included). Their access ends with this transaction. */
export const removeMember = (em: EntityManager, { audit, id }: { audit: AuditScope; id: string }) =>
  removeMembership(em, audit, id, 'member.removed');

/** The caller leaves the organization; their next request falls back to another membership. */
export const leaveOrganization = (
  em: EntityManager,
  { audit, membershipId }: { audit: AuditScope; membershipId: string },
) => removeMembership(em, audit, membershipId, 'member.left');
