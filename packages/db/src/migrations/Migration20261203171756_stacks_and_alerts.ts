import { Migration } from '@mikro-orm/migrations';

/**
 * Stack strategies (a project's strategy and region; the plan each deployment was queued with) and
 * monitoring alerts (the alert table with its one-open-per-key index, channel routing, and which
 * alert a delivery reports).
 */
export class Migration20261203171756_stacks_and_alerts extends Migration {

  override name = 'Migration20261203171756_stacks_and_alerts';

  override up(): void | Promise<void> {
    this.addSql(`create table "alert" ("id" uuid not null, "organization_id" uuid not null, "project_id" uuid null, "environment" varchar(32) null, "severity" text not null, "title" varchar(200) not null, "details" text null, "dedup_key" varchar(255) not null, "source" varchar(64) not null, "status" text not null default 'open', "repeats" int not null default 0, "opened_at" timestamptz not null, "last_raised_at" timestamptz not null, "acknowledged_at" timestamptz null, "acknowledged_by_type" text null, "acknowledged_by_id" varchar(64) null, "acknowledged_by_display" varchar(320) null, "resolved_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "alert_organization_id_id_index" on "alert" ("organization_id", "id");`);
    this.addSql(`create unique index "alert_open_dedup_key_unique" on "alert" ("organization_id", "dedup_key") where "status" <> 'resolved';`);

    this.addSql(`alter table "alert_channel" add "routing" jsonb not null default '{}';`);

    this.addSql(`alter table "alert_delivery" add "alert_id" uuid null;`);
    this.addSql(`create index "alert_delivery_alert_id_index" on "alert_delivery" ("alert_id", "channel_id") where "alert_id" is not null;`);

    this.addSql(`alter table "project" add "stack_strategy" text not null default 'per-environment', add "stack_region" varchar(32) not null default 'us-east-1';`);
    this.addSql(`alter table "project" add constraint "project_stack_strategy_check" check ("stack_strategy" in ('per-environment', 'split-stateful', 'per-service'));`);

    this.addSql(`alter table "deployment" add "stack_plan" jsonb null;`);

    this.addSql(`alter table "alert" add constraint "alert_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "alert" add constraint "alert_severity_check" check ("severity" in ('critical', 'warning', 'info'));`);
    this.addSql(`alter table "alert" add constraint "alert_status_check" check ("status" in ('open', 'acknowledged', 'resolved'));`);
    this.addSql(`alter table "alert" add constraint "alert_acknowledged_by_type_check" check ("acknowledged_by_type" in ('user', 'api_token', 'service', 'system'));`);
    this.addSql(`alter table "alert" enable row level security;`);
    this.addSql(`alter table "alert" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "alert" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "alert" cascade;`);
    this.addSql(`alter table "alert_channel" drop column "routing";`);
    this.addSql(`drop index "alert_delivery_alert_id_index";`);
    this.addSql(`alter table "alert_delivery" drop column "alert_id";`);
    this.addSql(`alter table "deployment" drop column "stack_plan";`);
    this.addSql(`alter table "project" drop constraint "project_stack_strategy_check";`);
    this.addSql(`alter table "project" drop column "stack_strategy", drop column "stack_region";`);
  }

}
