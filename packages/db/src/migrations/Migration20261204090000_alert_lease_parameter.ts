import { Migration } from '@mikro-orm/migrations';

/**
 * The alert outbox's lease length is the dispatcher's (`LEASE_SECONDS`), passed to the claim, so the
 * claim and the renewal before each send cannot drift apart. The claim still runs on the database's
 * clock: no caller can lease deliveries early, and a lease is between a second and an hour long, so
 * no caller can hide deliveries from every other dispatcher for longer.
 *
 * The one-argument function stays (its fixed 300-second lease) for the servers of the previous
 * release that still run while a rolling deploy replaces them; a later migration drops it.
 */
export class Migration20261204090000_alert_lease_parameter extends Migration {

  override name = 'Migration20261204090000_alert_lease_parameter';

  override up(): void | Promise<void> {
    this.addSql(`create function claim_alert_deliveries(p_limit int, p_lease_seconds int)
      returns table (delivery_id uuid, organization_id uuid, attempt_count int)
      language sql volatile security definer set search_path = public, pg_temp
      as $$
        update alert_delivery d
           set next_attempt_at = now() + make_interval(secs => least(greatest(p_lease_seconds, 1), 3600)),
               attempt_count = d.attempt_count + 1
         where d.id in (select q.id from alert_delivery q
                         where q.status = 'pending' and q.next_attempt_at <= now()
                         order by q.next_attempt_at, q.id for update skip locked
                         limit least(greatest(p_limit, 0), 100))
        returning d.id, d.organization_id, d.attempt_count
      $$;`);
    this.addSql(`revoke all on function claim_alert_deliveries(int, int) from public;`);
    this.addSql(`grant execute on function claim_alert_deliveries(int, int) to strictops_app;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop function claim_alert_deliveries(int, int);`);
  }

}
