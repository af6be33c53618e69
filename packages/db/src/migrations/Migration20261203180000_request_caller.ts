import { Migration } from '@mikro-orm/migrations';

/**
 * One round trip to know who is calling and where: `request_caller` finds the session (or API
 * token) by its hash, its user, and the membership and organization the request acts on, as one
 * fixed statement. It runs as its owner (this migration's role) with the search path pinned; the
 * application role may execute it and nothing more. Nothing is read unless the credential is live:
 * every other table is reached only through the session's (or token's) user.
 *
 * The organization: the token's own for an API token; else the one named (by id or by slug); else
 * the session's active organization while the user is still a member of it; else the user's
 * oldest membership. Only live organizations count. With `p_all_organizations`, it also returns
 * every live organization of the user with its tier (account procedures' rate limit).
 *
 * The owner's own select policies keep it working where the owner is not a superuser (forced RLS);
 * they name the owner alone, so they widen nothing for the application role.
 */
export class Migration20261203180000_request_caller extends Migration {

  override name = 'Migration20261203180000_request_caller';

  override up(): void | Promise<void> {
    this.addSql(`create policy "request_caller" on "membership" for select to current_user using (true);`);
    this.addSql(`create policy "request_caller" on "api_token" for select to current_user using (true);`);
    this.addSql(`create function request_caller(p_session_hash text, p_token_hash text, p_organization_id uuid,
                                                p_organization_slug text, p_all_organizations boolean)
      returns table (user_id uuid, user_email varchar, user_name varchar,
                     session_expires_at timestamptz, session_last_seen_at timestamptz,
                     session_active_organization_id uuid,
                     token_id uuid, token_name varchar, token_scopes text[], token_organization_id uuid,
                     token_last_used_at timestamptz,
                     organization_id uuid, organization_name varchar, organization_slug varchar,
                     organization_tier text, organization_limit_overrides jsonb, organization_created_at timestamptz,
                     membership_id uuid, membership_role text, membership_created_at timestamptz,
                     organizations jsonb)
      language sql stable security definer set search_path = public, pg_temp
    as $$
      with caller as (
        select s.user_id, s.expires_at, s.last_seen_at, s.active_organization_id,
               null::uuid as token_id, null::varchar as token_name, null::text[] as token_scopes,
               null::uuid as token_organization_id, null::timestamptz as token_last_used_at
          from session s
         where p_session_hash is not null and s.id = p_session_hash and s.expires_at > now()
        union all
        select t.created_by_id, null, null, null, t.id, t.name, t.scopes, t.organization_id, t.last_used_at
          from api_token t
         where p_token_hash is not null and t.secret_hash = p_token_hash and t.revoked_at is null
           and (t.expires_at is null or t.expires_at > now())
      )
      select c.user_id, u.email, u.name, c.expires_at, c.last_seen_at, c.active_organization_id,
             c.token_id, c.token_name, c.token_scopes, c.token_organization_id, c.token_last_used_at,
             e.organization_id, e.name, e.slug, e.tier, e.limit_overrides, e.organization_created_at,
             e.membership_id, e.role, e.membership_created_at,
             case when p_all_organizations then (
               select coalesce(jsonb_agg(jsonb_build_object('id', ao.id, 'slug', ao.slug, 'tier', ao.tier,
                                                            'limit_overrides', ao.limit_overrides)), '[]'::jsonb)
                 from membership am join organization ao on ao.id = am.organization_id and ao.deleted_at is null
                where am.user_id = c.user_id) end
        from caller c
        join "user" u on u.id = c.user_id
        left join lateral (
          select m.id as membership_id, m.role, m.created_at as membership_created_at, o.id as organization_id,
                 o.name, o.slug, o.tier, o.limit_overrides, o.created_at as organization_created_at
            from membership m join organization o on o.id = m.organization_id and o.deleted_at is null
           where m.user_id = c.user_id
             and case when c.token_id is not null then m.organization_id = c.token_organization_id
                      when p_organization_id is not null then m.organization_id = p_organization_id
                      when p_organization_slug is not null then lower(o.slug) = lower(p_organization_slug)
                      else true end
           order by m.organization_id = c.active_organization_id desc nulls last, m.created_at, m.id
           limit 1
        ) e on true
    $$;`);
    this.addSql(`revoke all on function request_caller(text, text, uuid, text, boolean) from public;`);
    this.addSql(`grant execute on function request_caller(text, text, uuid, text, boolean) to strictops_app;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop function if exists request_caller(text, text, uuid, text, boolean);`);
    this.addSql(`drop policy if exists "request_caller" on "api_token";`);
    this.addSql(`drop policy if exists "request_caller" on "membership";`);
  }

}
