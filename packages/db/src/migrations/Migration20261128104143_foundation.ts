import { Migration } from '@mikro-orm/migrations';

export class Migration20261128104143_foundation extends Migration {

  override name = 'Migration20261128104143_foundation';

  override up(): void | Promise<void> {
    this.addSql(`create table "organization" ("id" uuid not null, "name" varchar(200) not null, "slug" varchar(48) not null, "tier" text not null default 'FREE', "limit_overrides" jsonb null, "created_at" timestamptz not null, "deleted_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "organization" add constraint "organization_slug_unique" unique ("slug");`);

    this.addSql(`create table "user" ("id" uuid not null, "email" varchar(320) not null, "name" varchar(200) not null, "password_hash" varchar(255) not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create unique index "user_email_lower_unique" on "user" (lower("email"));`);

    this.addSql(`create table "session" ("id" varchar(64) not null, "user_id" uuid not null, "expires_at" timestamptz not null, "active_organization_id" uuid null, "created_at" timestamptz not null, "last_seen_at" timestamptz not null, "ip" varchar(64) null, "user_agent" varchar(512) null, primary key ("id"));`);
    this.addSql(`create index "session_user_id_index" on "session" ("user_id");`);

    this.addSql(`create table "membership" ("id" uuid not null, "organization_id" uuid not null, "user_id" uuid not null, "role" text not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "membership_user_id_index" on "membership" ("user_id");`);
    this.addSql(`alter table "membership" add constraint "membership_organization_id_user_id_unique" unique ("organization_id", "user_id");`);

    this.addSql(`alter table "organization" add constraint "organization_tier_check" check ("tier" in ('FREE', 'STARTER', 'PROFESSIONAL', 'ENTERPRISE'));`);

    this.addSql(`alter table "session" add constraint "session_user_id_foreign" foreign key ("user_id") references "user" ("id") on delete cascade;`);

    this.addSql(`alter table "membership" add constraint "membership_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "membership" add constraint "membership_user_id_foreign" foreign key ("user_id") references "user" ("id") on delete cascade;`);
    this.addSql(`alter table "membership" add constraint "membership_role_check" check ("role" in ('strictops_admin', 'customer'));`);
    this.addSql(`alter table "membership" enable row level security;`);
    this.addSql(`alter table "membership" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "membership" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);
    this.addSql(`create policy "own_memberships" on "membership" for select using (user_id = nullif(current_setting('app.user_id', true), '')::uuid);`);

    // The application role the server runs as: owns nothing, cannot bypass RLS, may only read and
    // write rows. Roles are cluster-wide, so one that exists already (another database on the same
    // server) is reused.
    this.addSql(`do $$ begin create role strictops_app nologin nosuperuser nobypassrls; exception when duplicate_object then null; end $$;`);
    this.addSql(`grant usage on schema public to strictops_app;`);
    this.addSql(`grant select, insert, update, delete on all tables in schema public to strictops_app;`);
    this.addSql(`revoke all on mikro_orm_migrations from strictops_app;`);
    this.addSql(`alter default privileges in schema public grant select, insert, update, delete on tables to strictops_app;`);
    this.addSql(`alter default privileges in schema public grant usage, select on sequences to strictops_app;`);
    // Lets an owner login step down with `set role strictops_app` (needless, but harmless, for a superuser).
    this.addSql(`grant strictops_app to current_user;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "membership" drop constraint "membership_organization_id_foreign";`);
    this.addSql(`alter table "session" drop constraint "session_user_id_foreign";`);
    this.addSql(`alter table "membership" drop constraint "membership_user_id_foreign";`);

    this.addSql(`drop table if exists "organization" cascade;`);
    this.addSql(`drop table if exists "user" cascade;`);
    this.addSql(`drop table if exists "session" cascade;`);
    this.addSql(`drop table if exists "membership" cascade;`);
  }

}
