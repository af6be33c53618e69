import { Migration } from '@mikro-orm/migrations';

export class Migration20261128115459_aws_connections extends Migration {

  override name = 'Migration20261128115459_aws_connections';

  override up(): void | Promise<void> {
    this.addSql(`create table "aws_connection" ("id" uuid not null, "organization_id" uuid not null, "name" varchar(100) not null, "external_id" varchar(64) not null, "role_arn" varchar(2048) null, "account_id" varchar(12) null, "status" text not null default 'pending', "failure_reason" varchar(1000) null, "verified_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "aws_connection" add constraint "aws_connection_external_id_unique" unique ("external_id");`);
    this.addSql(`create unique index "aws_connection_role_arn_unique" on "aws_connection" ("role_arn") where "role_arn" is not null;`);

    this.addSql(`alter table "aws_connection" add constraint "aws_connection_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "aws_connection" add constraint "aws_connection_status_check" check ("status" in ('pending', 'verified', 'failed'));`);
    this.addSql(`alter table "aws_connection" enable row level security;`);
    this.addSql(`alter table "aws_connection" force row level security;`);
    this.addSql(`create policy "tenant_isolation" on "aws_connection" using (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid) with check (organization_id = nullif(current_setting('app.organization_id', true), '')::uuid);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "aws_connection" cascade;`);
  }

}
