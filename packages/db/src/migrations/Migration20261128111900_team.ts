import { Migration } from '@mikro-orm/migrations';

export class Migration20261128111900_team extends Migration {

  override name = 'Migration20261128111900_team';

  override up(): void | Promise<void> {
    this.addSql(`create table "invitation" ("id" uuid not null, "organization_id" uuid not null, "email" varchar(320) not null, "role" text not null, "token_hash" varchar(64) not null, "invited_by_id" uuid null, "status" text not null default 'pending', "expires_at" timestamptz not null, "created_at" timestamptz not null, "accepted_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "invitation" add constraint "invitation_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "invitation_organization_id_id_index" on "invitation" ("organization_id", "id");`);
    this.addSql(`create unique index "invitation_pending_email_unique" on "invitation" ("organization_id", lower("email")) where "status" = 'pending';`);

    this.addSql(`alter table "invitation" add constraint "invitation_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "invitation" add constraint "invitation_invited_by_id_foreign" foreign key ("invited_by_id") references "user" ("id") on delete set null;`);
    this.addSql(`alter table "invitation" add constraint "invitation_role_check" check ("role" in ('strictops_admin', 'customer'));`);
    this.addSql(`alter table "invitation" add constraint "invitation_status_check" check ("status" in ('pending', 'accepted', 'revoked', 'expired'));`);
    this.addSql(`alter table "invitation" enable row level security;`);
    this.addSql(`alter table "invitation" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "invitation" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);

    // The one path to an invitation before its organization is known: a fixed query by token hash,
    // returning only what lookup and acceptance need. It runs as its owner (this migration's role),
    // with the search path pinned; the application role may execute it and nothing more. The
    // owner's own select policy keeps it working where the owner is not a superuser (forced RLS).
    this.addSql(`create policy "token_lookup" on "invitation" for select to current_user using (true);`);
    this.addSql(`create function invitation_by_token_hash(p_token_hash text)
      returns table (invitation_id uuid, organization_id uuid, organization_name varchar, email varchar, role text,
                     status text, expires_at timestamptz, inviter_name varchar)
      language sql stable security definer set search_path = public, pg_temp
    as $$
      select i.id, i.organization_id, o.name, i.email, i.role, i.status, i.expires_at, u.name
        from invitation i
        join organization o on o.id = i.organization_id and o.deleted_at is null
        left join "user" u on u.id = i.invited_by_id
       where i.token_hash = p_token_hash
    $$;`);
    this.addSql(`revoke all on function invitation_by_token_hash(text) from public;`);
    this.addSql(`grant execute on function invitation_by_token_hash(text) to strictops_app;`);

    // The last-admin rule, held by the database: after a membership stops being an admin (demoted,
    // removed, left), the organization row is locked, which queues every concurrent change to the
    // same organization's admins, and only then are the remaining admins counted, on a fresh
    // snapshot that sees whatever the previous change committed. Two admins demoting each other at
    // once: the second waits for the first, then finds no admin left and fails.
    this.addSql(`create function membership_keep_an_admin() returns trigger
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
    this.addSql(`create trigger membership_keep_an_admin after update of role or delete on membership
      for each row execute function membership_keep_an_admin();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists membership_keep_an_admin on membership;`);
    this.addSql(`drop function if exists membership_keep_an_admin();`);
    this.addSql(`drop function if exists invitation_by_token_hash(text);`);
    this.addSql(`drop table if exists "invitation" cascade;`);
  }

}
