import type { EntityManager } from '@mikro-orm/postgresql';
import { Membership, Organization, Session, TENANT_FILTER } from '@strictops/db';
import { AppError } from '../errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ActiveOrganization = { organization: Organization; membership: Membership };

const notFound = () => new AppError('ORGANIZATION_NOT_FOUND', 'Organization not found');

/**
 * The caller's membership of one live organization, or null. The membership lookup is the only
 * cross-organization read here, and it is pinned to this user and this organization.
 */
async function membershipOf(em: EntityManager, userId: string, organizationId: string) {
  return em.findOne(
    Membership,
    { user: userId, organization: { id: organizationId, deletedAt: null } },
    { populate: ['organization'], filters: { [TENANT_FILTER]: { organizationId } } },
  );
}

/**
 * Decides which organization a request acts on (SPEC §7): the `x-strictops-organization` header (id
 * or slug), else the session's active organization, else the user's oldest membership. A header
 * naming an organization the caller does not belong to is NOT_FOUND, exactly like one that does
 * not exist, so the answer reveals nothing about other tenants.
 */
export async function resolveActiveOrganization(
  em: EntityManager,
  caller: { userId: string; sessionId: string; activeOrganizationId: string | null; requested: string | null },
): Promise<ActiveOrganization> {
  if (caller.requested) {
    const key = caller.requested.trim().toLowerCase();
    const organization = await em.findOne(Organization, UUID.test(key) ? { id: key } : { slug: key });
    const membership = organization && (await membershipOf(em, caller.userId, organization.id));
    if (!membership) throw notFound();
    return { organization: membership.organization, membership };
  }

  if (caller.activeOrganizationId) {
    const membership = await membershipOf(em, caller.userId, caller.activeOrganizationId);
    if (membership) return { organization: membership.organization, membership };
  }

  // The remembered organization is gone (left, removed, deleted) or was never set: fall back.
  const oldest = await em.findOne(
    Membership,
    { user: caller.userId, organization: { deletedAt: null } },
    { populate: ['organization'], orderBy: { createdAt: 'asc', id: 'asc' }, filters: { [TENANT_FILTER]: false } },
  );
  if (!oldest) throw notFound();
  await em.nativeUpdate(Session, { id: caller.sessionId }, { activeOrganizationId: oldest.organization.id });
  return { organization: oldest.organization, membership: oldest };
}

/**
 * An API token acts in its own organization only: a header naming any other is NOT_FOUND. Its
 * rights follow its creator's membership as it is now, so a creator who was removed leaves the
 * token with nothing.
 */
export async function resolveTokenOrganization(
  em: EntityManager,
  token: { userId: string; organizationId: string; requested: string | null },
): Promise<ActiveOrganization> {
  const membership = await membershipOf(em, token.userId, token.organizationId);
  if (!membership)
    throw new AppError('UNAUTHENTICATED', 'This token’s creator is no longer a member of its organization');
  if (token.requested) {
    const key = token.requested.trim().toLowerCase();
    if (key !== membership.organization.id && key !== membership.organization.slug) throw notFound();
  }
  return { organization: membership.organization, membership };
}
