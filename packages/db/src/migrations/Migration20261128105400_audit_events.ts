import { Migration } from '@mikro-orm/migrations';

export class Migration20261128105400_audit_events extends Migration {

  override name = 'Migration20261128105400_audit_events';

  override up(): void | Promise<void> {
    this.addSql(`create table "audit_event" ("id" uuid not null, "organization_id" uuid not null, "occurred_at" timestamptz not null, "actor_type" text not null, "actor_id" varchar(64) not null, "actor_display" varchar(320) not null, "action" varchar(64) not null, "target_type" varchar(64) not null, "target_id" varchar(64) not null, "target_display" varchar(320) null, "changes" jsonb null, "ip" varchar(64) null, "user_agent" varchar(512) null, "request_id" varchar(128) null, "outcome" text not null default 'success', primary key ("id"));`);
    this.addSql(`create index "audit_event_organization_id_occurred_at_index" on "audit_event" ("organization_id", "occurred_at");`);

    this.addSql(`alter table "audit_event" add constraint "audit_event_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "audit_event" add constraint "audit_event_actor_type_check" check ("actor_type" in ('user', 'api_token', 'service', 'system'));`);
    this.addSql(`alter table "audit_event" add constraint "audit_event_outcome_check" check ("outcome" in ('success', 'denied', 'failure'));`);
    this.addSql(`alter table "audit_event" enable row level security;`);
    this.addSql(`alter table "audit_event" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "audit_event" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);

    // Append-only: the application role records and reads events, never changes or removes one.
    // Retention purges run as the owner.
    this.addSql(`revoke update, delete, truncate on "audit_event" from strictops_app;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "audit_event" cascade;`);
  }

}
