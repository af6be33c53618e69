import { Migration } from '@mikro-orm/migrations';

export class Migration20261128124339_integrations extends Migration {

  override name = 'Migration20261128124339_integrations';

  override up(): void | Promise<void> {
    this.addSql(`create table "github_webhook_delivery" ("delivery_id" varchar(64) not null, "event" varchar(64) not null, "action" varchar(64) null, "installation_id" bigint null, "received_at" timestamptz not null, primary key ("delivery_id"));`);
    this.addSql(`create index "github_webhook_delivery_received_at_index" on "github_webhook_delivery" ("received_at");`);

    this.addSql(`create table "github_installation" ("id" uuid not null, "organization_id" uuid not null, "installation_id" bigint not null, "account_login" varchar(100) not null, "account_type" varchar(20) not null, "repository_selection" varchar(20) not null, "permissions" jsonb not null, "status" text not null default 'active', "suspended_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "github_installation" add constraint "github_installation_installation_id_unique" unique ("installation_id");`);

    this.addSql(`create table "alert_channel" ("id" uuid not null, "organization_id" uuid not null, "name" varchar(100) not null, "type" text not null, "target" varchar(2048) not null, "secret" varchar(2048) null, "enabled" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "alert_channel" add constraint "alert_channel_organization_name_unique" unique ("organization_id", "name");`);

    this.addSql(`create table "alert_delivery" ("id" uuid not null, "organization_id" uuid not null, "channel_id" uuid not null, "event" varchar(64) not null, "payload" jsonb not null, "status" text not null default 'pending', "attempt_count" int not null default 0, "attempts" jsonb not null, "next_attempt_at" timestamptz null, "created_at" timestamptz not null, "delivered_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "alert_delivery_channel_id_created_at_index" on "alert_delivery" ("channel_id", "created_at");`);
    this.addSql(`create index "alert_delivery_due_index" on "alert_delivery" ("next_attempt_at") where "status" = 'pending';`);

    this.addSql(`alter table "github_installation" add constraint "github_installation_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "github_installation" add constraint "github_installation_status_check" check ("status" in ('active', 'suspended'));`);
    this.addSql(`alter table "github_installation" enable row level security;`);
    this.addSql(`alter table "github_installation" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "github_installation" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);

    this.addSql(`alter table "alert_channel" add constraint "alert_channel_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "alert_channel" add constraint "alert_channel_type_check" check ("type" in ('email', 'slack', 'webhook', 'pagerduty'));`);
    this.addSql(`alter table "alert_channel" enable row level security;`);
    this.addSql(`alter table "alert_channel" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "alert_channel" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);

    this.addSql(`alter table "alert_delivery" add constraint "alert_delivery_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "alert_delivery" add constraint "alert_delivery_channel_id_foreign" foreign key ("channel_id") references "alert_channel" ("id") on delete cascade;`);
    this.addSql(`alter table "alert_delivery" add constraint "alert_delivery_status_check" check ("status" in ('pending', 'delivered', 'failed'));`);
    this.addSql(`alter table "alert_delivery" enable row level security;`);
    this.addSql(`alter table "alert_delivery" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "alert_delivery" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);

    // GitHub's webhooks name an installation, not an organization: finding the organization that
    // linked it is an explicit cross-tenant read, one fixed statement run as the owner (which the
    // forced policies bind too, hence the owner's own select policy).
    this.addSql(`create policy "webhook_lookup" on "github_installation" for select to current_user using (true);`);
    this.addSql(`create function github_installation_organization(p_installation_id bigint)
      returns uuid
      language sql stable security definer set search_path = public, pg_temp
      as $$ select organization_id from github_installation where installation_id = p_installation_id $$;`);
    this.addSql(`revoke all on function github_installation_organization(bigint) from public;`);
    this.addSql(`grant execute on function github_installation_organization(bigint) to strictops_app;`);

    // The alert dispatcher takes due deliveries of every organization: it leases them (moves their
    // next attempt past the lease, counts the attempt) so that a second dispatcher skips them and a
    // crashed one's are retried once the lease ends.
    this.addSql(`create policy "dispatcher_claim" on "alert_delivery" for all to current_user using (true) with check (true);`);
    this.addSql(`create function claim_alert_deliveries(p_now timestamptz, p_limit int, p_lease_seconds int)
      returns table (delivery_id uuid, organization_id uuid)
      language sql volatile security definer set search_path = public, pg_temp
      as $$
        update alert_delivery d
           set next_attempt_at = p_now + make_interval(secs => p_lease_seconds),
               attempt_count = d.attempt_count + 1
         where d.id in (select q.id from alert_delivery q
                         where q.status = 'pending' and q.next_attempt_at <= p_now
                         order by q.next_attempt_at, q.id for update skip locked limit p_limit)
        returning d.id, d.organization_id
      $$;`);
    this.addSql(`revoke all on function claim_alert_deliveries(timestamptz, int, int) from public;`);
    this.addSql(`grant execute on function claim_alert_deliveries(timestamptz, int, int) to strictops_app;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop function if exists claim_alert_deliveries(timestamptz, int, int);`);
    this.addSql(`drop function if exists github_installation_organization(bigint);`);
    this.addSql(`drop table if exists "alert_delivery" cascade;`);
    this.addSql(`drop table if exists "alert_channel" cascade;`);
    this.addSql(`drop table if exists "github_installation" cascade;`);
    this.addSql(`drop table if exists "github_webhook_delivery" cascade;`);
  }

}
