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

    this.addSql(`create policy "worker_claim" on "deployment" to "postgres" using (true) with check (true);`);

    this.addSql(`create policy "token_lookup" on "invitation" for select to "postgres" using (true);`);

    this.addSql(`create or replace function "membership_membership_keep_an_admin_fn"() returns trigger as \$\$ begin ; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "membership_keep_an_admin" AFTER DELETE OR UPDATE on "membership" for each ROW execute function "membership_membership_keep_an_admin_fn"();`);

    this.addSql(`create or replace function "claim_next_deployment"("p_worker" text) returns TABLE(deployment_id uuid, organization_id uuid) security definer volatile language sql as \$\$ update deployment d set status = 'in_progress', started_at = now(), claimed_by = p_worker
         where d.id = (select q.id from deployment q where q.status = 'queued'
                        order by q.queued_at, q.id for update skip locked limit 1)
        returning d.id, d.organization_id \$\$;`);

    this.addSql(`create or replace function "invitation_by_token_hash"("p_token_hash" text) returns TABLE(invitation_id uuid, organization_id uuid, organization_name character varying, email character varying, role text, status text, expires_at timestamp with time zone, inviter_name character varying) security definer language sql as \$\$ select i.id, i.organization_id, o.name, i.email, i.role, i.status, i.expires_at, u.name
        from invitation i
        join organization o on o.id = i.organization_id and o.deleted_at is null
        left join "user" u on u.id = i.invited_by_id
       where i.token_hash = p_token_hash \$\$;`);
  }

}
