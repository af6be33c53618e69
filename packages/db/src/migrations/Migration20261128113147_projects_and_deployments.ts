import { Migration } from '@mikro-orm/migrations';

export class Migration20261128113147_projects_and_deployments extends Migration {

  override name = 'Migration20261128113147_projects_and_deployments';

  override up(): void | Promise<void> {
    this.addSql(`create table "project" ("id" uuid not null, "organization_id" uuid not null, "name" varchar(100) not null, "slug" varchar(48) not null, "aws_connection_id" uuid null, "config" jsonb null, "config_raw" text null, "config_sha256" varchar(64) null, "config_revision" int not null default 0, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "project" add constraint "project_organization_id_slug_unique" unique ("organization_id", "slug");`);

    this.addSql(`create table "environment" ("id" uuid not null, "organization_id" uuid not null, "project_id" uuid not null, "name" varchar(32) not null, "protected" boolean not null default false, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "environment" add constraint "environment_project_id_name_unique" unique ("project_id", "name");`);

    this.addSql(`create table "deployment" ("id" uuid not null, "organization_id" uuid not null, "project_id" uuid not null, "environment_id" uuid not null, "status" text not null default 'queued', "ref" varchar(255) not null, "commit_sha" varchar(40) null, "triggered_by_type" text not null, "triggered_by_id" varchar(64) not null, "triggered_by_display" varchar(320) not null, "idempotency_key" varchar(255) null, "request_digest" varchar(64) null, "status_message" varchar(1000) null, "queued_at" timestamptz not null, "started_at" timestamptz null, "finished_at" timestamptz null, "claimed_by" varchar(128) null, primary key ("id"));`);
    this.addSql(`create index "deployment_organization_id_queued_at_index" on "deployment" ("organization_id", "queued_at");`);
    this.addSql(`create index "deployment_project_id_environment_id_queued_at_index" on "deployment" ("project_id", "environment_id", "queued_at");`);
    this.addSql(`create index "deployment_status_queued_at_index" on "deployment" ("status", "queued_at");`);
    this.addSql(`create unique index "deployment_idempotency_key_unique" on "deployment" ("organization_id", "idempotency_key") where "idempotency_key" is not null;`);

    this.addSql(`create table "resource" ("id" uuid not null, "organization_id" uuid not null, "project_id" uuid not null, "name" varchar(63) not null, "kind" text not null, "engine" varchar(32) null, "settings" jsonb not null, primary key ("id"));`);
    this.addSql(`alter table "resource" add constraint "resource_project_id_name_unique" unique ("project_id", "name");`);

    this.addSql(`create table "service" ("id" uuid not null, "organization_id" uuid not null, "project_id" uuid not null, "name" varchar(63) not null, "type" text not null, "settings" jsonb not null, primary key ("id"));`);
    this.addSql(`alter table "service" add constraint "service_project_id_name_unique" unique ("project_id", "name");`);

    this.addSql(`alter table "project" add constraint "project_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "project" enable row level security;`);
    this.addSql(`alter table "project" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "project" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);

    this.addSql(`alter table "environment" add constraint "environment_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "environment" add constraint "environment_project_id_foreign" foreign key ("project_id") references "project" ("id") on delete cascade;`);
    this.addSql(`alter table "environment" enable row level security;`);
    this.addSql(`alter table "environment" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "environment" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);

    this.addSql(`alter table "deployment" add constraint "deployment_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "deployment" add constraint "deployment_project_id_foreign" foreign key ("project_id") references "project" ("id") on delete cascade;`);
    this.addSql(`alter table "deployment" add constraint "deployment_environment_id_foreign" foreign key ("environment_id") references "environment" ("id") on delete cascade;`);
    this.addSql(`alter table "deployment" add constraint "deployment_status_check" check ("status" in ('queued', 'in_progress', 'succeeded', 'failed', 'cancelled'));`);
    this.addSql(`alter table "deployment" add constraint "deployment_triggered_by_type_check" check ("triggered_by_type" in ('user', 'api_token', 'service', 'system'));`);
    this.addSql(`alter table "deployment" enable row level security;`);
    this.addSql(`alter table "deployment" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "deployment" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);

    this.addSql(`alter table "resource" add constraint "resource_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "resource" add constraint "resource_project_id_foreign" foreign key ("project_id") references "project" ("id") on delete cascade;`);
    this.addSql(`alter table "resource" add constraint "resource_kind_check" check ("kind" in ('database', 'storage', 'queue', 'cache'));`);
    this.addSql(`alter table "resource" enable row level security;`);
    this.addSql(`alter table "resource" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "resource" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);

    this.addSql(`alter table "service" add constraint "service_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "service" add constraint "service_project_id_foreign" foreign key ("project_id") references "project" ("id") on delete cascade;`);
    this.addSql(`alter table "service" add constraint "service_type_check" check ("type" in ('container', 'function', 'static'));`);
    this.addSql(`alter table "service" enable row level security;`);
    this.addSql(`alter table "service" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "service" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);

    // Deploy workers claim the oldest queued deployment of any organization: the one explicit
    // cross-tenant write, as a function with one fixed statement. It runs as the owner, which the
    // forced policies bind too, so the owner gets a policy of its own on this table.
    this.addSql(`create policy "worker_claim" on "deployment" for all to current_user using (true) with check (true);`);
    this.addSql(`create function claim_next_deployment(p_worker text)
      returns table (deployment_id uuid, organization_id uuid)
      language sql volatile security definer set search_path = public, pg_temp
      as $$
        update deployment d set status = 'in_progress', started_at = now(), claimed_by = p_worker
         where d.id = (select q.id from deployment q where q.status = 'queued'
                        order by q.queued_at, q.id for update skip locked limit 1)
        returning d.id, d.organization_id
      $$;`);
    this.addSql(`revoke all on function claim_next_deployment(text) from public;`);
    this.addSql(`grant execute on function claim_next_deployment(text) to strictops_app;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop function if exists claim_next_deployment(text);`);
    this.addSql(`drop table if exists "deployment" cascade;`);
    this.addSql(`drop table if exists "resource" cascade;`);
    this.addSql(`drop table if exists "service" cascade;`);
    this.addSql(`drop table if exists "environment" cascade;`);
    this.addSql(`drop table if exists "project" cascade;`);
  }

}
