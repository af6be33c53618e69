import { ORGANIZATION_SETTING } from '../tenancy.ts';

// Any MikroORM connection or EntityManager: only raw execute is used.
type Connection = { execute(sql: string): Promise<unknown> };

export type TenantTableSecurity = { table: string; enabled: boolean; forced: boolean; isolation: number };

/**
 * Every table that carries organization_id, with whether RLS is enabled and forced on it and how
 * many all-commands policies read the current organization in both USING and WITH CHECK.
 */
export async function tenantTableSecurity(connection: Connection): Promise<TenantTableSecurity[]> {
  return (await connection.execute(`
    select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
           (select count(*)::int from pg_policy p
             where p.polrelid = c.oid and p.polcmd = '*'
               and pg_get_expr(p.polqual, p.polrelid) like '%${ORGANIZATION_SETTING}%'
               and pg_get_expr(p.polwithcheck, p.polrelid) like '%${ORGANIZATION_SETTING}%') as isolation
      from information_schema.columns col
      join pg_namespace n on n.nspname = col.table_schema
      join pg_class c on c.relname = col.table_name and c.relnamespace = n.oid
     where col.table_schema = current_schema() and col.column_name = 'organization_id' and c.relkind = 'r'
     order by c.relname`)) as TenantTableSecurity[];
}
