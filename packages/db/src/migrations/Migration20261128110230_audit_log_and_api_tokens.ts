import { Migration } from '@mikro-orm/migrations';

export class Migration20261128110230_audit_log_and_api_tokens extends Migration {

  override name = 'Migration20261128110230_audit_log_and_api_tokens';

  override up(): void | Promise<void> {
    this.addSql(`create table "audit_event" ("id" uuid not null, "organization_id" uuid not null, "occurred_at" timestamptz not null, "actor_type" text not null, "actor_id" varchar(64) not null, "actor_display" varchar(320) not null, "action" varchar(64) not null, "target_type" varchar(64) not null, "target_id" varchar(64) not null, "target_display" varchar(320) null, "changes" jsonb null, "ip" varchar(64) null, "user_agent" varchar(512) null, "request_id" varchar(128) null, "outcome" text not null default 'success', "seq" bigserial, "prev_hash" varchar(64) null, "hash" varchar(64) not null, primary key ("id"));`);
    this.addSql(`create index "audit_event_organization_id_occurred_at_index" on "audit_event" ("organization_id", "occurred_at");`);
    this.addSql(`create index "audit_event_organization_id_seq_index" on "audit_event" ("organization_id", "seq");`);
    this.addSql(`create index "audit_event_organization_id_actor_id_index" on "audit_event" ("organization_id", "actor_id");`);
    this.addSql(`create index "audit_event_organization_id_target_type_target_id_index" on "audit_event" ("organization_id", "target_type", "target_id");`);

    this.addSql(`create table "audit_checkpoint" ("organization_id" uuid not null, "last_purged_seq" bigint not null, "last_purged_hash" varchar(64) not null, "purged_at" timestamptz not null, primary key ("organization_id"));`);

    this.addSql(`create table "api_token" ("id" uuid not null, "organization_id" uuid not null, "name" varchar(100) not null, "prefix" varchar(16) not null, "last_four" varchar(4) not null, "secret_hash" varchar(64) not null, "scopes" text[] not null, "created_by_id" uuid not null, "created_at" timestamptz not null, "expires_at" timestamptz null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "api_token" add constraint "api_token_secret_hash_unique" unique ("secret_hash");`);

    this.addSql(`alter table "audit_event" add constraint "audit_event_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "audit_event" add constraint "audit_event_actor_type_check" check ("actor_type" in ('user', 'api_token', 'service', 'system'));`);
    this.addSql(`alter table "audit_event" add constraint "audit_event_outcome_check" check ("outcome" in ('success', 'denied', 'failure'));`);
    this.addSql(`alter table "audit_event" enable row level security;`);
    this.addSql(`alter table "audit_event" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "audit_event" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);

    this.addSql(`alter table "audit_checkpoint" add constraint "audit_checkpoint_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "audit_checkpoint" enable row level security;`);
    this.addSql(`alter table "audit_checkpoint" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "audit_checkpoint" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);

    this.addSql(`alter table "api_token" add constraint "api_token_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "api_token" add constraint "api_token_created_by_id_foreign" foreign key ("created_by_id") references "user" ("id") on delete cascade;`);
    this.addSql(`alter table "api_token" enable row level security;`);
    this.addSql(`alter table "api_token" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "api_token" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);
    this.addSql(`create policy "token_lookup" on "api_token" for select using (secret_hash = current_setting('app.api_token_hash', true));`);

    // Append-only: the application role records and reads events, never changes or removes one;
    // checkpoints are written by the retention purge alone. Purges run as the owner.
    this.addSql(`revoke update, delete, truncate on "audit_event" from strictops_app;`);
    this.addSql(`revoke insert, update, delete, truncate on "audit_checkpoint" from strictops_app;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "audit_event" cascade;`);
    this.addSql(`drop table if exists "audit_checkpoint" cascade;`);
    this.addSql(`drop table if exists "api_token" cascade;`);
  }

}
