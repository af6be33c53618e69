import { randomBytes } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
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
import { RESERVED_SLUGS } from './organizations.schemas.ts';

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

export function slugFromName(name: string): string {
  const base = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 36)
    .replace(/-+$/, '');
  return base.length >= 3 && !RESERVED_SLUGS.has(base) ? base : `org-${base || 'new'}`.replace(/-+$/, '');
}

export const randomSuffix = () => randomBytes(4).toString('hex').slice(0, 6);

function isSlugCollision(error: unknown) {
  return error instanceof UniqueConstraintViolationException && /organization_slug_unique/.test(error.message);
}

/**
 * Creates an organization with `user` as its first `strictops_admin`, inside the caller's
 * transaction. A chosen slug that is taken is a SLUG_TAKEN error; a derived one gets a suffix.
 */
export async function createOrganization(
  em: EntityManager,
  { user, name, slug, origin }: { user: User; name: string; slug?: string; origin: RequestOrigin },
): Promise<OrganizationView> {
  let candidate = slug ?? slugFromName(name);
  if (!slug && (await em.count(OrganizationEntity, { slug: candidate })) > 0) {
    candidate = `${candidate}-${randomSuffix()}`;
  }
  const organization = em.create(OrganizationEntity, { name, slug: candidate });
  // The first membership is a row of the new organization: the transaction must be scoped to it.
  await enterOrganization(em, organization.id);
  em.create(Membership, { organization, user, role: 'strictops_admin' });
  try {
    await em.flush();
  } catch (error) {
    if (isSlugCollision(error)) {
      throw new AppError('SLUG_TAKEN', `The slug "${candidate}" is taken`, { field: 'slug', cause: error });
    }
    throw error;
  }
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
      const collided = error instanceof AppError && error.code === 'SLUG_TAKEN' && isSlugCollision(error.cause);
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
    try {
      await tx.flush();
    } catch (error) {
      if (isSlugCollision(error)) {
        throw new AppError('SLUG_TAKEN', `The slug "${changes.slug}" is taken`, { field: 'slug', cause: error });
      }
      throw error;
    }
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
