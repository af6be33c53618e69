import type { EntityManager } from '@mikro-orm/postgresql';
import {
  enterOrganization,
  Membership,
  type Organization,
  Organization as OrganizationEntity,
  PURGE_AFTER_DAYS,
  type Role,
  Session,
  TENANT_FILTER,
  type User,
} from '@strictops/db';
import { type AuditScope, diff, type RequestOrigin, recordAuditEvent } from '../audit/audit-writer.ts';
import { lockOrganization } from '../entitlements/usage.ts';
import { AppError } from '../errors.ts';
import { flushOrDuplicate, isUniqueViolation } from '../shared/database-errors.ts';
import { slugFor } from '../shared/slugs.ts';

export type OrganizationView = {
  id: string;
  name: string;
  slug: string;
  tier: Organization['tier'];
  createdAt: Date;
  role: Role;
};

export const toOrganizationView = (
  organization: Pick<Organization, 'id' | 'name' | 'slug' | 'tier' | 'createdAt'>,
  role: Role,
): OrganizationView => ({
  id: organization.id,
  name: organization.name,
  slug: organization.slug,
  tier: organization.tier,
  createdAt: organization.createdAt,
  role,
});

const SLUG_INDEX = 'organization_slug_unique';

const slugTaken = (slug: string | undefined, cause: unknown) =>
  new AppError('SLUG_TAKEN', `The slug "${slug}" is taken`, { field: 'slug', cause });

/**
 * Creates an organization with `user` as its first `strictops_admin`, inside the caller's
 * transaction. A chosen slug that is taken is a SLUG_TAKEN error; a derived one gets a suffix.
 */
export async function createOrganization(
  em: EntityManager,
  { user, name, slug, origin }: { user: User; name: string; slug?: string; origin: RequestOrigin },
): Promise<OrganizationView> {
  const candidate = await slugFor({
    chosen: slug,
    name,
    taken: async (derived) => (await em.count(OrganizationEntity, { slug: derived })) > 0,
  });
  const organization = em.create(OrganizationEntity, { name, slug: candidate });
  // The first membership is a row of the new organization: the transaction must be scoped to it.
  await enterOrganization(em, organization.id);
  em.create(Membership, { organization, user, role: 'strictops_admin' });
  await flushOrDuplicate(em, (error) => slugTaken(candidate, error), { constraint: SLUG_INDEX });
  await recordAuditEvent(
    em,
    { organizationId: organization.id, actor: { type: 'user', id: user.id, display: user.email }, origin },
    { action: 'organization.created', target: { type: 'organization', id: organization.id, display: name } },
  );
  return toOrganizationView(organization, 'strictops_admin');
}

/**
 * Runs `work` in a transaction (a savepoint inside the request's), once more if a derived slug lost
 * a race to another request. A slug the caller chose is never retried: they get SLUG_TAKEN.
 */
export async function withSlugRetry<T>(em: EntityManager, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await em.transactional(work);
    } catch (error) {
      const collided =
        error instanceof AppError && error.code === 'SLUG_TAKEN' && isUniqueViolation(error.cause, SLUG_INDEX);
      if (!collided || attempt >= 3) throw error;
    }
  }
}

/** Every organization the user belongs to. Pinned to one user: the one explicit cross-tenant read. */
export async function listOrganizationsOf(em: EntityManager, userId: string): Promise<OrganizationView[]> {
  const memberships = await em.find(
    Membership,
    { user: userId, organization: { deletedAt: null } },
    { populate: ['organization'], orderBy: { createdAt: 'asc', id: 'asc' }, filters: { [TENANT_FILTER]: false } },
  );
  return memberships.map((m) => toOrganizationView(m.organization, m.role));
}

export async function updateOrganization(
  em: EntityManager,
  { audit, changes, role }: { audit: AuditScope; changes: { name?: string; slug?: string }; role: Role },
): Promise<OrganizationView> {
  return em.transactional(async (tx) => {
    const organization = await tx.findOneOrFail(OrganizationEntity, { id: audit.organizationId, deletedAt: null });
    const recorded = diff({ name: organization.name, slug: organization.slug }, changes);
    if (changes.name !== undefined) organization.name = changes.name;
    if (changes.slug !== undefined) organization.slug = changes.slug;
    await flushOrDuplicate(tx, (error) => slugTaken(changes.slug, error), { constraint: SLUG_INDEX });
    if (recorded) {
      await recordAuditEvent(tx, audit, {
        action: 'organization.updated',
        target: { type: 'organization', id: organization.id, display: organization.name },
        changes: recorded,
      });
    }
    return toOrganizationView(organization, role);
  });
}

/** Makes one of the caller's organizations the session's active one. */
export async function switchOrganization(
  em: EntityManager,
  { userId, sessionId, organization }: { userId: string; sessionId: string; organization: string },
): Promise<OrganizationView> {
  const found = (await listOrganizationsOf(em, userId)).find(
    (o) => o.id === organization.toLowerCase() || o.slug === organization.toLowerCase(),
  );
  if (!found) throw new AppError('ORGANIZATION_NOT_FOUND', 'Organization not found', { field: 'organization' });
  await em.nativeUpdate(Session, { id: sessionId }, { activeOrganizationId: found.id });
  return found;
}

/**
 * Soft-deletes the active organization once the caller has typed its slug. Every member, session
 * and token loses it on their next request (resolution skips deleted organizations); the purge
 * command removes it, and frees its slug, after PURGE_AFTER_DAYS.
 */
export async function deleteOrganization(
  em: EntityManager,
  { audit, confirmSlug }: { audit: AuditScope; confirmSlug: string },
) {
  return em.transactional(async (tx) => {
    // Locked first (as creations lock it), then read: a deletion that committed meanwhile is seen.
    await lockOrganization(tx, audit.organizationId);
    const organization = await tx.findOneOrFail(OrganizationEntity, { id: audit.organizationId, deletedAt: null });
    if (confirmSlug.toLowerCase() !== organization.slug) {
      throw new AppError('CONFIRMATION_MISMATCH', 'Type the organization’s slug exactly to confirm the deletion', {
        field: 'confirmSlug',
      });
    }
    const deletedAt = new Date();
    organization.deletedAt = deletedAt;
    await tx.flush();
    await recordAuditEvent(tx, audit, {
      action: 'organization.deleted',
      target: { type: 'organization', id: organization.id, display: organization.name },
      changes: { deletedAt: { before: null, after: deletedAt.toISOString() } },
    });
    return {
      id: organization.id,
      slug: organization.slug,
      deletedAt,
      purgeAfter: new Date(deletedAt.getTime() + PURGE_AFTER_DAYS * 24 * 60 * 60 * 1000),
    };
  });
}
