import { Migration } from '@mikro-orm/migrations';

/**
 * Every list reads its page from an index in its keyset order, within the organization: the
 * planner then reads `limit + 1` index entries whatever the organization's size, rather than all
 * of its rows and a sort. Audit events (`organization_id, seq`) and invitations
 * (`organization_id, id`) had theirs already, and environments are found by project through the
 * unique (project_id, name).
 */
export class Migration20261203173000_list_indexes extends Migration {

  override name = 'Migration20261203173000_list_indexes';

  override up(): void | Promise<void> {
    this.addSql(`create index "deployment_organization_id_id_index" on "deployment" ("organization_id", "id");`);
    this.addSql(`create index "project_organization_id_id_index" on "project" ("organization_id", "id");`);
    this.addSql(`create index "membership_organization_id_id_index" on "membership" ("organization_id", "id");`);
    this.addSql(`create index "api_token_organization_id_id_index" on "api_token" ("organization_id", "id");`);
    this.addSql(`create index "api_token_organization_id_created_by_id_id_index" on "api_token" ("organization_id", "created_by_id", "id");`);
    this.addSql(`create index "alert_delivery_channel_id_id_index" on "alert_delivery" ("channel_id", "id");`);
    // Each environment's latest deployment (the project list) is the first entry of this one.
    this.addSql(`create index "deployment_project_id_environment_id_queued_at_id_index" on "deployment" ("project_id", "environment_id", "queued_at", "id");`);
    this.addSql(`drop index "deployment_project_id_environment_id_queued_at_index";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`create index "deployment_project_id_environment_id_queued_at_index" on "deployment" ("project_id", "environment_id", "queued_at");`);
    this.addSql(`drop index "deployment_project_id_environment_id_queued_at_id_index";`);
    this.addSql(`drop index "alert_delivery_channel_id_id_index";`);
    this.addSql(`drop index "api_token_organization_id_created_by_id_id_index";`);
    this.addSql(`drop index "api_token_organization_id_id_index";`);
    this.addSql(`drop index "membership_organization_id_id_index";`);
    this.addSql(`drop index "project_organization_id_id_index";`);
    this.addSql(`drop index "deployment_organization_id_id_index";`);
  }

}
