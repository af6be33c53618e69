/**
 * The tenant filter, on by default for every organization-owned entity. Its condition reads the
 * `organizationId` argument, so MikroORM throws "No arguments provided for filter 'tenant'" when a
 * query runs without one: an unscoped query fails instead of returning every tenant's rows.
 *
 * Set it with `em.setFilterParams(TENANT_FILTER, { organizationId })` (a fork's `filters` option does
 * not set params). The filter covers find/count/populate/nativeUpdate/nativeDelete, but not
 * QueryBuilder, raw SQL, `em.getReference`, `em.upsert` or a flush by primary key: load through the
 * scoped EntityManager first, then change what was loaded.
 */
export const TENANT_FILTER = 'tenant';

export type TenantFilterParams = { organizationId: string };

export const tenantFilter = {
  name: TENANT_FILTER,
  cond: (args: Record<string, unknown>) => ({ organization: (args as TenantFilterParams).organizationId }),
  default: true,
};
