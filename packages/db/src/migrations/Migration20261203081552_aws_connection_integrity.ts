import { Migration } from '@mikro-orm/migrations';

/**
 * AWS connections: a role counts as taken only once verified, by account and case-insensitive role
 * name; a project's connection is a foreign key that refuses the connection's deletion.
 */
export class Migration20261203081552_aws_connection_integrity extends Migration {

  override name = 'Migration20261203081552_aws_connection_integrity';

  override up(): void | Promise<void> {
    // Data the earlier rules allowed and the new ones refuse: the same role verified under two
    // spellings (the earliest keeps it), and projects pointing at a deleted connection (unlinked).
    // The table owner is bound by the forced row-level security, so it is lifted for these
    // statements only, inside this migration's transaction.
    this.addSql(`alter table "aws_connection" no force row level security;`);
    this.addSql(`alter table "project" no force row level security;`);
    this.addSql(`update "aws_connection" c
      set "status" = 'failed', "failure_reason" = 'Another connection verified this role first', "verified_at" = null
      where c."status" = 'verified' and exists (
        select 1 from "aws_connection" o
         where o."status" = 'verified' and o."id" <> c."id" and o."account_id" = c."account_id"
           and lower(substring(o."role_arn" from '[^/]+\$')) = lower(substring(c."role_arn" from '[^/]+\$'))
           and (coalesce(o."verified_at", 'infinity'), o."id") < (coalesce(c."verified_at", 'infinity'), c."id"));`);
    this.addSql(`update "project" p set "aws_connection_id" = null
      where p."aws_connection_id" is not null
        and not exists (select 1 from "aws_connection" c where c."id" = p."aws_connection_id");`);
    this.addSql(`alter table "project" force row level security;`);
    this.addSql(`alter table "aws_connection" force row level security;`);

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
