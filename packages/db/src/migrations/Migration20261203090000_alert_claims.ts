import { Migration } from '@mikro-orm/migrations';

/**
 * The alert outbox's claim runs on the database's clock with a fixed lease, and says which claim it
 * made (the attempt count): a dispatcher on a server whose clock is off, or any caller of the
 * function, can no longer lease deliveries early or for longer, and a dispatcher can tell whether
 * its claim is still the latest before it sends.
 */
export class Migration20261203090000_alert_claims extends Migration {

  override name = 'Migration20261203090000_alert_claims';

  override up(): void | Promise<void> {
    this.addSql(`drop function claim_alert_deliveries(timestamptz, int, int);`);
    this.addSql(`create function claim_alert_deliveries(p_limit int)
      returns table (delivery_id uuid, organization_id uuid, attempt_count int)
      language sql volatile security definer set search_path = public, pg_temp
      as $$
        update alert_delivery d
           set next_attempt_at = now() + interval '300 seconds',
               attempt_count = d.attempt_count + 1
         where d.id in (select q.id from alert_delivery q
                         where q.status = 'pending' and q.next_attempt_at <= now()
                         order by q.next_attempt_at, q.id for update skip locked
                         limit least(greatest(p_limit, 0), 100))
        returning d.id, d.organization_id, d.attempt_count
      $$;`);
    this.addSql(`revoke all on function claim_alert_deliveries(int) from public;`);
    this.addSql(`grant execute on function claim_alert_deliveries(int) to strictops_app;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop function claim_alert_deliveries(int);`);
    this.addSql(`create function claim_alert_deliveries(p_now timestamptz, p_limit int, p_lease_seconds int)
      returns table (delivery_id uuid, organization_id uuid)
      language sql volatile security definer set search_path = public, pg_temp
      as $$
        update alert_delivery d
           set next_attempt_at = p_now + make_interval(secs => p_lease_seconds),
               attempt_count = d.attempt_count + 1
         where d.id in (select q.id from alert_delivery q
                         where q.status = 'pending' and q.next_attempt_at <= p_now
                         order by q.next_attempt_at, q.id for update skip locked limit p_limit)
        returning d.id, d.organization_id
      $$;`);
    this.addSql(`revoke all on function claim_alert_deliveries(timestamptz, int, int) from public;`);
    this.addSql(`grant execute on function claim_alert_deliveries(timestamptz, int, int) to strictops_app;`);
  }

}
