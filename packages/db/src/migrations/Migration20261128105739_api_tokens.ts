import { Migration } from '@mikro-orm/migrations';

export class Migration20261128105739_api_tokens extends Migration {

  override name = 'Migration20261128105739_api_tokens';

  override up(): void | Promise<void> {
    this.addSql(`create table "api_token" ("id" uuid not null, "organization_id" uuid not null, "name" varchar(100) not null, "prefix" varchar(16) not null, "last_four" varchar(4) not null, "secret_hash" varchar(64) not null, "scopes" text[] not null, "created_by_id" uuid not null, "created_at" timestamptz not null, "expires_at" timestamptz null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "api_token" add constraint "api_token_secret_hash_unique" unique ("secret_hash");`);

    this.addSql(`alter table "api_token" add constraint "api_token_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "api_token" add constraint "api_token_created_by_id_foreign" foreign key ("created_by_id") references "user" ("id") on delete cascade;`);
    this.addSql(`alter table "api_token" enable row level security;`);
    this.addSql(`alter table "api_token" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "api_token" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);
    this.addSql(`create policy "token_lookup" on "api_token" for select using (secret_hash = current_setting('app.api_token_hash', true));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "api_token" cascade;`);
  }

}
