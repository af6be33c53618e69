import type { EntityManager } from '@mikro-orm/postgresql';
import { scopedFork } from '@strictops/db';
import type { Caller } from '../auth/authenticate.ts';
import {
  type ActiveOrganization,
  resolveActiveOrganization,
  resolveTokenOrganization,
} from '../organizations/active-organization.ts';

/**
 * The organization a request acts on and the caller's current membership in it (SPEC §7), read in a
 * short transaction of its own that sees only the caller's own memberships. It runs before the rate
 * limit, which needs the organization and its tier, and before the request's transaction opens.
 * Naming an organization the caller does not belong to is ORGANIZATION_NOT_FOUND.
 */
export function resolveOrganization(
  em: EntityManager,
  caller: Caller,
  requested: string | null,
): Promise<ActiveOrganization> {
  return scopedFork(em, { userId: caller.user.id }).transactional((tx) =>
    caller.type === 'api_token'
      ? resolveTokenOrganization(tx, {
          userId: caller.user.id,
          organizationId: caller.token.organizationId,
          requested,
        })
      : resolveActiveOrganization(tx, {
          userId: caller.user.id,
          sessionId: caller.session.id,
          activeOrganizationId: caller.session.activeOrganizationId,
          requested,
        }),
  );
}
