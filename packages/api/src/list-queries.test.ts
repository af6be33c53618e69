/**
 * Regression guard for flat lists: every list page must read its rows from an index in keyset
 * order, within the organization, so that a page costs the same at the millionth row as at the
 * first. Each list procedure runs through the API against organizations seeded with thousands of
 * rows (and `analyze`d, so the planner's choice is the one it would make in production); every
 * query it sends that reads the listed table is EXPLAINed as the application role, scoped to the
 * organization, and fails on a sequential scan of a seeded table, a sort over more than a page, or
 * an index scan of the listed table that its organization (or channel) does not bound.
 */
import { queriesSentBy } from '@strictops/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestApi } from './testing/harness.ts';

const ROWS = 4000;
const LIMIT = 50;
const SEEDED = [
  'deployment',
  'audit_event',
  'project',
  'environment',
  'invitation',
  'membership',
  'user',
  'api_token',
  'alert_delivery',
];

type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  'Plan Rows': number;
  Plans?: PlanNode[];
};

/**
 * What in a plan reads more than a page of the organization: a sequential scan of a seeded table,
 * a sort of more than a page, or a scan of the listed table through an index that does not lead
 * with its scope (say the primary key read backwards, past every other organization's rows).
 */
function wholeOrganizationReads(plan: PlanNode, table: string, scope: string): string[] {
  const found: string[] = [];
  const walk = (node: PlanNode) => {
    const type = node['Node Type'];
    if (type === 'Seq Scan' && SEEDED.includes(node['Relation Name'] ?? ''))
      found.push(`Seq Scan on ${node['Relation Name']}`);
    if (type.endsWith('Sort') && node['Plan Rows'] > 2 * (LIMIT + 1))
      found.push(`${type} of ${node['Plan Rows']} rows`);
    if (node['Relation Name'] === table && type.startsWith('Index') && !node['Index Cond']?.includes(scope)) {
      found.push(`${type} on ${table} not bounded by ${scope} (${node['Index Cond'] ?? 'no condition'})`);
    }
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan);
  return found;
}

const api = await createTestApi();
const owner = new pg.Client({ connectionString: inject('databaseUrl') });

/** Seeds `ROWS` rows of every listed table into an organization, as the database owner. */
async function seedLists(organizationId: string, userId: string) {
  const q = (sql: string, params: unknown[] = [organizationId, userId, ROWS]) => owner.query(sql, params);
  await q(
    `insert into project (id, organization_id, name, slug, created_at)
           select gen_random_uuid(), $1, 'P' || i, 'p-' || i, now() from generate_series(1, $2) i`,
    [organizationId, ROWS],
  );
  await q(
    `insert into environment (id, organization_id, project_id, name, protected, created_at)
           select gen_random_uuid(), $1, p.id, e.name, false, now()
             from project p cross join (values ('dev'), ('staging'), ('production')) e(name)
            where p.organization_id = $1`,
    [organizationId],
  );
  // Finished, not queued: the tests share one database, and deploy workers claim the oldest queued.
  await q(`insert into deployment (id, organization_id, project_id, environment_id, status, ref, triggered_by_type,
                                   triggered_by_id, triggered_by_display, queued_at)
           select gen_random_uuid(), $1, e.project_id, e.id, 'succeeded', 'main', 'user', $2, 'seed',
                  now() - i * interval '1 s'
             from generate_series(1, $3) i
             join (select *, row_number() over (order by id) - 1 as k
                     from environment where organization_id = $1 order by id limit 30) e on e.k = i % 30`);
  await q(`insert into audit_event (id, organization_id, occurred_at, actor_type, actor_id, actor_display, action,
                                    target_type, target_id, hash)
           select gen_random_uuid(), $1, now(), 'user', $2, 'seed', 'seeded', 'row', i::text, md5(i::text)
             from generate_series(1, $3) i`);
  await q(
    `insert into "user" (id, email, name, password_hash, created_at)
           select gen_random_uuid(), 'seed-' || i || '-' || $1 || '@example.com', 'Seed ' || i, 'x', now()
             from generate_series(1, $2) i`,
    [organizationId, ROWS],
  );
  await q(
    `insert into membership (id, organization_id, user_id, role, created_at)
           select gen_random_uuid(), $1::uuid, u.id, 'customer', now() from "user" u
            where u.email like 'seed-%-' || $1::text || '@example.com'`,
    [organizationId],
  );
  await q(`insert into invitation (id, organization_id, email, role, token_hash, invited_by_id, status, expires_at, created_at)
           select gen_random_uuid(), $1, 'invitee-' || i || '@example.com', 'customer', md5($1::uuid::text || i), $2, 'pending',
                  now() + interval '7 days', now()
             from generate_series(1, $3) i`);
  await q(`insert into api_token (id, organization_id, name, prefix, last_four, secret_hash, scopes, created_by_id, created_at)
           select gen_random_uuid(), $1, 'token ' || i, 'sops_', 'abcd', md5($1::uuid::text || i) || md5(i::text), '{read}', $2, now()
             from generate_series(1, $3) i`);
  const { rows } = await owner.query<{ id: string }>(
    `insert into alert_channel (id, organization_id, name, type, target, enabled, created_at, updated_at)
     values (gen_random_uuid(), $1, 'seeded', 'webhook', 'https://hooks.example.com/seeded', false, now(), now())
     returning id`,
    [organizationId],
  );
  const channelId = rows[0]?.id as string;
  await owner.query(
    `insert into alert_delivery (id, organization_id, channel_id, event, payload, status, attempts, created_at)
     select gen_random_uuid(), $1, $2, 'deployment.failed', '{}', 'delivered', '[]', now() from generate_series(1, $3) i`,
    [organizationId, channelId, ROWS],
  );
  return channelId;
}

let admin: Awaited<ReturnType<typeof api.signUp>>;
let channelId: string;

// PGlite is one database session, which the server has switched to the application role: no owner
// connection can seed or `analyze` there, so plans are judged on the real PostgreSQL only.
const embedded = inject('embeddedDatabase');

beforeAll(async () => {
  if (embedded) return;
  await owner.connect();
  admin = await api.signUp('lists');
  const other = await api.signUp('lists-other');
  // Both organizations are large, so the organization's own index entries must be what is read.
  await seedLists(other.organization.id, other.user.id);
  channelId = await seedLists(admin.organization.id, admin.user.id);
  await owner.query('update organization set tier = $1 where id = $2', ['ENTERPRISE', admin.organization.id]);
  await owner.query('analyze');
}, 120_000);

afterAll(async () => {
  if (!embedded) await owner.end();
  await api.orm.close();
});

/** EXPLAINs each query `work` sent to `table`, as the server runs it: application role, organization set. */
async function explainListQueries(table: string, work: () => Promise<unknown>, scope = 'organization_id') {
  const sent = (await queriesSentBy(work)).filter(
    (q) => new RegExp(`from "?${table}"?\\b`, 'i').test(q.text) && /\blimit\b/i.test(q.text),
  );
  expect(sent.length, `no query read ${table}`).toBeGreaterThan(0);
  const problems: string[] = [];
  for (const query of sent) {
    await owner.query('begin');
    try {
      await owner.query('set local role strictops_app');
      await owner.query(`select set_config('app.organization_id', $1, true), set_config('app.user_id', $2, true)`, [
        admin.organization.id,
        admin.user.id,
      ]);
      const { rows } = await owner.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `explain (format json) ${query.text}`,
        query.values,
      );
      const plan = rows[0]?.['QUERY PLAN'][0].Plan as PlanNode;
      for (const problem of wholeOrganizationReads(plan, table, scope)) problems.push(`${problem} in: ${query.text}`);
    } finally {
      await owner.query('rollback');
    }
  }
  expect(problems).toEqual([]);
}

/** The cursor of a page 90% of the way down a list, read as the owner. */
async function deepCursor(sql: string) {
  const { rows } = await owner.query<{ cursor: string }>(sql, [admin.organization.id, Math.floor(ROWS * 0.9)]);
  return rows[0]?.cursor as string;
}

describe.skipIf(embedded)(
  'list pages read an index in keyset order, never the whole organization (real PostgreSQL only)',
  () => {
    const as = () => api.call({ token: admin.token, organization: admin.organization.id });

    it('deployments.list', async () => {
      const cursor = await deepCursor(
        'select id as cursor from deployment where organization_id = $1 order by id desc offset $2 limit 1',
      );
      await explainListQueries('deployment', () => as().deployments.list({ limit: LIMIT }));
      await explainListQueries('deployment', () => as().deployments.list({ limit: LIMIT, cursor }));
    });

    it('auditEvents.list', async () => {
      const cursor = await deepCursor(
        'select seq::text as cursor from audit_event where organization_id = $1 order by seq desc offset $2 limit 1',
      );
      await explainListQueries('audit_event', () => as().auditEvents.list({ limit: LIMIT }));
      await explainListQueries('audit_event', () => as().auditEvents.list({ limit: LIMIT, cursor }));
    });

    it('projects.list (with each environment’s latest deployment)', async () => {
      const cursor = await deepCursor(
        'select id as cursor from project where organization_id = $1 order by id offset $2 limit 1',
      );
      await explainListQueries('project', () => as().projects.list({ limit: LIMIT }));
      await explainListQueries('project', () => as().projects.list({ limit: LIMIT, cursor }));
    });

    it('invitations.list', async () => {
      const cursor = await deepCursor(
        'select id as cursor from invitation where organization_id = $1 order by id offset $2 limit 1',
      );
      await explainListQueries('invitation', () => as().invitations.list({ limit: LIMIT }));
      await explainListQueries('invitation', () => as().invitations.list({ limit: LIMIT, cursor }));
    });

    it('members.list', async () => {
      const cursor = await deepCursor(
        'select id as cursor from membership where organization_id = $1 order by id offset $2 limit 1',
      );
      await explainListQueries('membership', () => as().members.list({ limit: LIMIT }));
      await explainListQueries('membership', () => as().members.list({ limit: LIMIT, cursor }));
    });

    it('apiTokens.list', async () => {
      const cursor = await deepCursor(
        'select id as cursor from api_token where organization_id = $1 order by id desc offset $2 limit 1',
      );
      await explainListQueries('api_token', () => as().apiTokens.list({ limit: LIMIT }));
      await explainListQueries('api_token', () => as().apiTokens.list({ limit: LIMIT, cursor }));
    });

    it('alertChannels.deliveries', async () => {
      const cursor = await deepCursor(
        'select id as cursor from alert_delivery where organization_id = $1 order by id desc offset $2 limit 1',
      );
      const list = (page: { cursor?: string }) => () =>
        as().alertChannels.deliveries({ id: channelId, limit: LIMIT, ...page });
      await explainListQueries('alert_delivery', list({}), 'channel_id');
      await explainListQueries('alert_delivery', list({ cursor }), 'channel_id');
    });
  },
);
