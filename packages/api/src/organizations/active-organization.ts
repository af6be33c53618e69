import type { EntityManager } from '@mikro-orm/postgresql';
import type { Authenticated, CallerMembership, CallerOrganization } from '../auth/authenticate.ts';
import { AppError } from '../errors.ts';

export type ActiveOrganization = { organization: CallerOrganization; membership: CallerMembership };

const organizationNotFound = () => new AppError('ORGANIZATION_NOT_FOUND', 'Organization not found');

/**
 * Decides which organization a request acts on (SPEC §7) from what authentication found (see
 * `request_caller`): the `x-strictops-organization` header (id or slug), else the session's active
 * organization, else the user's oldest membership. A header naming an organization the caller does
 * not belong to is NOT_FOUND, exactly like one that does not exist, so the answer reveals nothing
 * about other tenants. When the remembered organization is gone (left, removed, deleted) or was
 * never set, the session remembers the one chosen instead.
 *
 * An API token acts in its own organization only (a header naming any other is NOT_FOUND), with its
 * creator's membership as it is now: a creator who was removed leaves the token with nothing.
 */
export async function activeOrganization(
  em: EntityManager,
  { caller, entry }: Pick<Authenticated, 'caller' | 'entry'>,
  requested: string | null,
): Promise<ActiveOrganization> {
  const key = requested?.trim().toLowerCase() || null;
  if (caller.type === 'api_token') {
    if (!entry) throw new AppError('UNAUTHENTICATED', 'This token’s creator is no longer a member of its organization');
    if (key && key !== entry.organization.id && key !== entry.organization.slug.toLowerCase())
      throw organizationNotFound();
    return entry;
  }
  if (!entry) throw organizationNotFound();
  if (!key && entry.organization.id !== caller.session.activeOrganizationId) {
    await em.execute('update "session" set active_organization_id = ? where id = ?', [
      entry.organization.id,
      caller.session.id,
    ]);
  }
  return entry;
}
