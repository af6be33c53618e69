import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Tenant isolation has two layers, so that the database refuses what the application forgets.
 *
 * 1. The MikroORM `tenant` filter, on by default for every organization-owned entity. Its condition
 *    reads the `organizationId` argument, so MikroORM throws "No arguments provided for filter
 *    'tenant'" when a query runs without one. It covers find/count/populate/nativeUpdate/
 *    nativeDelete, but not QueryBuilder, raw SQL, `em.getReference`, `em.upsert` or a flush by
 *    primary key.
 * 2. PostgreSQL row-level security, enabled and forced on every table with `organization_id`: a row
 *    is visible or writable only when its organization is the one set for the current transaction
 *    (`app.organization_id`). With none set, no tenant row is visible or writable. The server's
 *    connections run as APP_ROLE, which owns nothing and cannot bypass it.
 */
export const TENANT_FILTER = 'tenant';
export const APP_ROLE = 'strictops_app';
export const ORGANIZATION_SETTING = 'app.organization_id';
export const USER_SETTING = 'app.user_id';

export type TenantFilterParams = { organizationId: string };

export const tenantFilter = {
  name: TENANT_FILTER,
  cond: (args: Record<string, unknown>) => ({ organization: (args as TenantFilterParams).organizationId }),
  default: true,
};

/** The current transaction's organization, or NULL (which matches no row) when none is set. */
export const CURRENT_ORGANIZATION = `nullif(current_setting('${ORGANIZATION_SETTING}', true), '')::uuid`;
/** The signed-in user of the current transaction, or NULL. */
export const CURRENT_USER = `nullif(current_setting('${USER_SETTING}', true), '')::uuid`;

const tenantIsolationPolicy = {
  name: 'tenant_isolation',
  command: 'all' as const,
  using: `organization_id = ${CURRENT_ORGANIZATION}`,
  check: `organization_id = ${CURRENT_ORGANIZATION}`,
};

/**
 * Spread into the definition of every organization-owned entity: the filter, forced RLS and the
 * isolation policy, so each tenant table is born with its policy in the migration that creates it.
 */
export const organizationOwned = {
  filters: { [TENANT_FILTER]: tenantFilter },
  rowLevelSecurity: 'force' as const,
  policies: [tenantIsolationPolicy],
};

/**
 * Scopes `em` to one organization inside its current transaction: sets the tenant filter and the
 * transaction-local `app.organization_id` that the RLS policies read. It ends with the transaction,
 * so a pooled connection never carries one request's organization into the next.
 */
export async function enterOrganization(em: EntityManager, organizationId: string): Promise<void> {
  if (!em.isInTransaction()) throw new Error('enterOrganization must run inside a transaction');
  em.setFilterParams(TENANT_FILTER, { organizationId });
  await em.execute(`select set_config('${ORGANIZATION_SETTING}', ?, true)`, [organizationId]);
}

/** What a request's transactions are scoped to: the acting user and, once resolved, the organization. */
export type RequestScope = { userId?: string; organizationId?: string };

/**
 * A fork of `em` whose every transaction begins scoped: `app.user_id` and `app.organization_id` are
 * set together in the transaction's first statement (MikroORM's session context, transaction-local),
 * and the tenant filter gets the organization. A statement run outside an explicit transaction is
 * wrapped in one of its own, scoped the same way, so nothing on this fork runs unscoped.
 */
export function scopedFork(em: EntityManager, { userId, organizationId }: RequestScope): EntityManager {
  const fork = em.fork();
  const variables: Record<string, string> = {};
  if (userId) variables[USER_SETTING] = userId;
  if (organizationId) {
    variables[ORGANIZATION_SETTING] = organizationId;
    fork.setFilterParams(TENANT_FILTER, { organizationId });
  }
  if (Object.keys(variables).length) fork.setSessionContext({ variables });
  return fork;
}
