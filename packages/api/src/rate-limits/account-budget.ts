import type { AccountOrganization } from '../auth/authenticate.ts';
import { entitlementsOf } from '../entitlements/entitlements.ts';

export type AccountBudget = { key: string; multiplier: number };

/**
 * Whose budget an account procedure (`auth.me`, `organizations.list`, sessions) spends. Naming one
 * of the caller's organizations spends that organization's, at its tier, as its own procedures do;
 * otherwise the caller's own, at the best tier among their organizations, so a member of an
 * ENTERPRISE organization is not held to FREE rates on their account. A named organization the
 * caller does not belong to counts as none named (it reveals nothing, and its budget is not theirs).
 */
export function accountBudget(
  userId: string,
  organizations: AccountOrganization[],
  requested: string | null,
): AccountBudget {
  const multiplier = (o: AccountOrganization) => entitlementsOf(o).rateLimitMultiplier;
  const key = requested?.trim().toLowerCase();
  const named = key ? organizations.find((o) => o.id === key || o.slug.toLowerCase() === key) : undefined;
  if (named) return { key: named.id, multiplier: multiplier(named) };
  return { key: `user:${userId}`, multiplier: Math.max(1, ...organizations.map(multiplier)) };
}
