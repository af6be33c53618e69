import { Migration } from '@mikro-orm/migrations';

/**
 * The delivery purge (run as the owner, which forced row-level security binds too) keeps the record
 * that a channel was sent an alert while the alert is unresolved: it reads alerts' status, which
 * this policy lets the owner alone do. Dropped first: a database migrated by an earlier build of the
 * stacks-and-alerts migration may have it already.
 */
export class Migration20261204100000_alert_maintenance_read extends Migration {

  override name = 'Migration20261204100000_alert_maintenance_read';

  override up(): void | Promise<void> {
    this.addSql(`drop policy if exists "maintenance_read" on "alert";`);
    this.addSql(`create policy "maintenance_read" on "alert" for select to current_user using (true);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop policy if exists "maintenance_read" on "alert";`);
  }

}
