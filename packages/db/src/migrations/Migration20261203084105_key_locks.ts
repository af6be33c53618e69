import { Migration } from '@mikro-orm/migrations';

/**
 * The organization's slug is unique through an index on `lower(slug)` rather than a unique
 * constraint on the column, with a plain index for lookups. PostgreSQL counts only columns of
 * plain unique indexes as keys: renaming a slug then no longer takes the row's strongest lock, which
 * blocked the key-share lock of every concurrent audit event (a deadlock with the audit chain).
 * Also indexes project.aws_connection_id, which the connection's foreign key looks up on delete.
 */
export class Migration20261203084105_key_locks extends Migration {

  override name = 'Migration20261203084105_key_locks';

  override up(): void | Promise<void> {
    this.addSql(`create index "organization_slug_index" on "organization" ("slug");`);
    this.addSql(`alter table "organization" drop constraint "organization_slug_unique";`);
    this.addSql(`create unique index "organization_slug_unique" on "organization" (lower("slug"));`);
    this.addSql(`create index "project_aws_connection_id_index" on "project" ("aws_connection_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "project_aws_connection_id_index";`);
    this.addSql(`drop index "organization_slug_unique";`);
    this.addSql(`alter table "organization" add constraint "organization_slug_unique" unique ("slug");`);
    this.addSql(`drop index "organization_slug_index";`);
  }

}
