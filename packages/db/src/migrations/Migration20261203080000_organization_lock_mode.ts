import { Migration } from '@mikro-orm/migrations';

/**
 * The last-admin trigger locks the organization's row `for no key update` instead of `for update`.
 * It still queues every change to one organization's admins (the mode conflicts with itself), but
 * no longer blocks the key-share lock every inserted audit event takes on that row, which could
 * deadlock a member's removal against any audited change running at the same time.
 */
export class Migration20261203080000_organization_lock_mode extends Migration {

  override name = 'Migration20261203080000_organization_lock_mode';

  override up(): void | Promise<void> {
    this.addSql(`create or replace function membership_keep_an_admin() returns trigger
      language plpgsql set search_path = public, pg_temp
    as $$
    begin
      if old.role <> 'strictops_admin' or (tg_op = 'UPDATE' and new.role = 'strictops_admin') then
        return null;
      end if;
      perform 1 from organization where id = old.organization_id for no key update;
      if not found then
        return null; -- the organization itself is being purged: its memberships go with it
      end if;
      if not exists (select 1 from membership where organization_id = old.organization_id and role = 'strictops_admin') then
        raise exception 'strictops_last_admin: organization % must keep at least one strictops_admin', old.organization_id;
      end if;
      return null;
    end $$;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`create or replace function membership_keep_an_admin() returns trigger
      language plpgsql set search_path = public, pg_temp
    as $$
    begin
      if old.role <> 'strictops_admin' or (tg_op = 'UPDATE' and new.role = 'strictops_admin') then
        return null;
      end if;
      perform 1 from organization where id = old.organization_id for update;
      if not found then
        return null; -- the organization itself is being purged: its memberships go with it
      end if;
      if not exists (select 1 from membership where organization_id = old.organization_id and role = 'strictops_admin') then
        raise exception 'strictops_last_admin: organization % must keep at least one strictops_admin', old.organization_id;
      end if;
      return null;
    end $$;`);
  }

}
