/**
 * The benchmark's data, written with SQL as the database owner (not through the API, which would
 * take hours for a million rows): one user with a live session, and
 *
 * - `bench-main`: 50 projects x 3 environments, 10 deployments each (arms 1-3);
 * - `bench-small` and `bench-large`: one project with 3 environments, `small` and `large`
 *   deployments and as many audit events (arm 4).
 *
 * Ids are UUIDv7-shaped (time first), as the server makes them, so keyset order matches time.
 */
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';

export type Seeded = {
  token: string;
  main: string;
  lists?: {
    small: ListOrganization;
    large: ListOrganization;
  };
};

/** An organization for the list arms, with the cursors of a page 90% of the way down its history. */
export type ListOrganization = { id: string; rows: number; deploymentCursor: string; auditCursor: string };

const UUID7 = `create function pg_temp.uuid7(at timestamptz, n bigint) returns uuid language sql immutable as $$
  select (lpad(to_hex((extract(epoch from at) * 1000)::bigint), 12, '0') || '7' || lpad(to_hex(n % 4096), 3, '0')
          || '8' || lpad(to_hex(n), 15, '0'))::uuid
$$`;

export async function seed(client: pg.Client, rows?: { small: number; large: number }): Promise<Seeded> {
  await client.query(UUID7);
  const token = randomBytes(20).toString('hex');
  const { rows: users } = await client.query<{ id: string }>(
    `insert into "user" (id, email, name, password_hash, created_at)
     values (pg_temp.uuid7(now(), 1), 'bench@example.com', 'Bench', 'not-a-password-hash', now()) returning id`,
  );
  const userId = users[0]?.id as string;
  const main = await organization(client, userId, 'bench-main', 1);
  await client.query(
    `insert into session (id, user_id, expires_at, active_organization_id, created_at, last_seen_at)
     values ($1, $2, now() + interval '30 days', $3, now(), now())`,
    [createHash('sha256').update(token).digest('hex'), userId, main],
  );
  await projects(client, main, { projects: 50, deploymentsPerEnvironment: 10 });
  if (!rows) return { token, main };
  const small = await listOrganization(client, userId, 'bench-small', 2, rows.small);
  const large = await listOrganization(client, userId, 'bench-large', 3, rows.large);
  await client.query('analyze');
  return { token, main, lists: { small, large } };
}

async function organization(client: pg.Client, userId: string, slug: string, n: number) {
  const { rows } = await client.query<{ id: string }>(
    `insert into organization (id, name, slug, tier, created_at)
     values (pg_temp.uuid7(now(), $2), $1, $1, 'ENTERPRISE', now()) returning id`,
    [slug, n],
  );
  const id = rows[0]?.id as string;
  await client.query(
    `insert into membership (id, organization_id, user_id, role, created_at)
     values (pg_temp.uuid7(now(), $3), $1, $2, 'strictops_admin', now())`,
    [id, userId, n],
  );
  return id;
}

/** Projects with dev, staging and production, each with a history of deployments. */
async function projects(
  client: pg.Client,
  organizationId: string,
  { projects, deploymentsPerEnvironment }: { projects: number; deploymentsPerEnvironment: number },
) {
  await client.query(
    `insert into project (id, organization_id, name, slug, created_at)
     select pg_temp.uuid7(now() - interval '1 day' + p * interval '1 ms', p), $1, 'Project ' || p, 'project-' || p, now()
       from generate_series(1, $2) p`,
    [organizationId, projects],
  );
  await client.query(
    `insert into environment (id, organization_id, project_id, name, protected, created_at)
     select pg_temp.uuid7(p.created_at + e.n * interval '1 us', e.n + 10 * row_number() over ()), $1, p.id, e.name,
            e.name = 'production', p.created_at
       from project p cross join (values (1, 'dev'), (2, 'staging'), (3, 'production')) e(n, name)
      where p.organization_id = $1`,
    [organizationId],
  );
  await client.query(
    `insert into deployment (id, organization_id, project_id, environment_id, status, ref, commit_sha,
                             triggered_by_type, triggered_by_id, triggered_by_display, queued_at, started_at, finished_at)
     select pg_temp.uuid7(at, n), $1, e.project_id, e.id, 'succeeded', 'main', md5(n::text)::varchar(40),
            'user', 'bench', 'bench@example.com', at, at, at
       from (select e.*, row_number() over (order by e.id) * 1000 + i as n, now() - (interval '1 minute' * ($2 - i)) as at
               from environment e cross join generate_series(1, $2) i where e.organization_id = $1) e`,
    [organizationId, deploymentsPerEnvironment],
  );
}

/** One project, `rows` deployments spread over its environments and `rows` audit events. */
async function listOrganization(
  client: pg.Client,
  userId: string,
  slug: string,
  n: number,
  rows: number,
): Promise<ListOrganization> {
  const id = await organization(client, userId, slug, n);
  await projects(client, id, { projects: 1, deploymentsPerEnvironment: 0 });
  await client.query(
    `insert into deployment (id, organization_id, project_id, environment_id, status, ref, commit_sha,
                             triggered_by_type, triggered_by_id, triggered_by_display, queued_at, started_at, finished_at)
     select pg_temp.uuid7(at, $3::bigint * 10000000 + i), $1, e[1].project_id, e[1 + i % 3].id, 'succeeded', 'main',
            md5(i::text)::varchar(40), 'user', 'bench', 'bench@example.com', at, at, at
       from (select array_agg(environment order by environment.id) e from environment where organization_id = $1) envs,
            generate_series(1, $2) i,
            lateral (select now() - interval '400 days' + i * interval '1 second' as at) t`,
    [id, rows, n],
  );
  await client.query(
    `insert into audit_event (id, organization_id, occurred_at, actor_type, actor_id, actor_display, action,
                              target_type, target_id, ip, user_agent, request_id, outcome, hash)
     select pg_temp.uuid7(at, $3::bigint * 10000000 + i), $1, at, 'user', 'bench', 'bench@example.com',
            'deployment.created', 'deployment', i::text, '127.0.0.1', 'bench', 'bench-' || i, 'success', md5(i::text)
       from generate_series(1, $2) i, lateral (select now() - interval '400 days' + i * interval '1 second' as at) t`,
    [id, rows, n],
  );
  const deep = Math.floor(rows * 0.9);
  const { rows: cursors } = await client.query<{ deployment: string; audit: string }>(
    `select (select id from deployment where organization_id = $1 order by id desc offset $2 limit 1) as deployment,
            (select seq::text from audit_event where organization_id = $1 order by seq desc offset $2 limit 1) as audit`,
    [id, deep],
  );
  return {
    id,
    rows,
    deploymentCursor: cursors[0]?.deployment as string,
    auditCursor: cursors[0]?.audit as string,
  };
}
