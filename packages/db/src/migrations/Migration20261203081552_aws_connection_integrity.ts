import { Migration } from '@mikro-orm/migrations';

/**
 * AWS connections: a role counts as taken only once verified, by account and case-insensitive role
 * name; a project's connection is a foreign key that refuses the connection's deletion.
 */
export class Migration20261203081552_aws_connection_integrity extends Migration {

  override name = 'Migration20261203081552_aws_connection_integrity';

  override up(): void | Promise<void> {
    this.addSql(`drop index "aws_connection_role_arn_unique";`);
    this.addSql(`create unique index "aws_connection_verified_role_unique" on "aws_connection" ("account_id", lower(substring("role_arn" from '[^/]+\$'))) where "status" = 'verified';`);

    this.addSql(`alter table "project" add constraint "project_aws_connection_id_foreign" foreign key ("aws_connection_id") references "aws_connection" ("id") on delete restrict;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "project" drop constraint "project_aws_connection_id_foreign";`);
    this.addSql(`drop index "aws_connection_verified_role_unique";`);
    this.addSql(`create unique index "aws_connection_role_arn_unique" on "aws_connection" ("role_arn") where "role_arn" is not null;`);
  }

}
