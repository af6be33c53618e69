import { Migration } from '@mikro-orm/migrations';

/**
 * The alert outbox's size for /metrics: counts over every organization, and nothing else (no row,
 * no organization), through one narrow function, as the dispatcher's claim is: the application role
 * sees no tenant row without an organization.
 */
export class Migration20261203130000_alert_outbox_stats extends Migration {

  override name = 'Migration20261203130000_alert_outbox_stats';

  override up(): void | Promise<void> {
    this.addSql(`create function alert_outbox_stats()
      returns table (pending bigint, due bigint, oldest_due_seconds double precision, failed bigint)
      language sql stable security definer set search_path = public, pg_temp
      as $$
        select count(*) filter (where status = 'pending'),
               count(*) filter (where status = 'pending' and next_attempt_at <= now()),
               coalesce(extract(epoch from now() - min(next_attempt_at) filter (where status = 'pending' and next_attempt_at <= now())), 0),
               count(*) filter (where status = 'failed')
          from alert_delivery
      $$;`);
    this.addSql(`revoke all on function alert_outbox_stats() from public;`);
    this.addSql(`grant execute on function alert_outbox_stats() to strictops_app;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop function alert_outbox_stats();`);
  }

}
