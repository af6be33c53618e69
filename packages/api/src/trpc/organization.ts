import type { EntityManager } from '@mikro-orm/postgresql';
import type { Authenticated } from '../auth/authenticate.ts';
import { type ActiveOrganization, activeOrganization } from '../organizations/active-organization.ts';

/**
 * The organization a request acts on and the caller's current membership in it (SPEC §7). The
 * authentication step read both in its one round trip; this decides, before the rate limit (which
 * needs the organization's tier) and before the request's transaction opens. Naming an organization
 * the caller does not belong to is ORGANIZATION_NOT_FOUND.
 */
export function resolveOrganization(
  em: EntityManager,
  authenticated: Pick<Authenticated, 'caller' | 'entry'>,
  requested: string | null,
): Promise<ActiveOrganization> {
  return activeOrganization(em, authenticated, requested);
}
