/**
 * The floor the benchmark measures the server against: bare Fastify and `pg`, answering
 * `GET /organizations/current` and `GET /projects` with the same bodies and the same SQL meaning
 * (session by hash, unexpired; membership of a live organization; the page with each environment's
 * latest deployment) in ONE round trip each, as the database owner (no row-level security), with
 * no framework of ours in between. Started by bench.ts as its own process:
 *
 *   DATABASE_URL=... PORT=... node bench/baseline.ts      (or STRICTOPS_DATA_DIR=... for the embedded database)
 */
import { createHash } from 'node:crypto';
import { resolveDataDir, startEmbeddedPostgres } from '@strictops/db';
import Fastify from 'fastify';
import pg from 'pg';

const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(resolveDataDir());
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL ?? embedded?.url, max: 10 });
const app = Fastify({ logger: false });

const sessionId = (authorization: string | undefined) =>
  createHash('sha256')
    .update((authorization ?? '').replace(/^Bearer /, ''))
    .digest('hex');

const CURRENT_ORGANIZATION = `
  select o.id, o.name, o.slug, o.tier, o.created_at, m.role
    from session s
    join membership m on m.user_id = s.user_id
    join organization o on o.id = m.organization_id and o.deleted_at is null
   where s.id = $1 and s.expires_at > now()
     and case when $2::text is null then o.id = s.active_organization_id
              else o.slug = lower($2) or o.id::text = lower($2) end`;

app.get('/organizations/current', async (request, reply) => {
  const { rows } = await pool.query(CURRENT_ORGANIZATION, [
    sessionId(request.headers.authorization),
    request.headers['x-strictops-organization'] ?? null,
  ]);
  const o = rows[0];
  if (!o) return reply.code(401).send({ error: 'UNAUTHENTICATED' });
  return { id: o.id, name: o.name, slug: o.slug, tier: o.tier, createdAt: o.created_at, role: o.role };
});

const PROJECTS = `
  with organization as (${CURRENT_ORGANIZATION}),
       page as (select p.* from project p join organization o on p.organization_id = o.id order by p.id limit $3)
  select page.*, e.id as environment_id, e.name as environment_name, e.protected, e.created_at as environment_created_at,
         d.id as deployment_id, d.status, d.ref, d.commit_sha, d.queued_at
    from page
    join environment e on e.project_id = page.id
    left join lateral (select id, status, ref, commit_sha, queued_at from deployment
                        where project_id = page.id and environment_id = e.id order by queued_at desc, id desc limit 1) d on true
   order by page.id, e.created_at, e.id`;

type ProjectRow = Record<string, unknown> & { id: string };

app.get('/projects', async (request) => {
  const limit = Number((request.query as { limit?: string }).limit ?? 50);
  const { rows } = await pool.query<ProjectRow>(PROJECTS, [
    sessionId(request.headers.authorization),
    request.headers['x-strictops-organization'] ?? null,
    limit + 1,
  ]);
  const projects = new Map<string, ReturnType<typeof project>>();
  for (const row of rows) {
    const p = projects.get(row.id) ?? project(row);
    projects.set(row.id, p);
    p.environments.push({
      id: row.environment_id,
      projectId: row.id,
      name: row.environment_name,
      protected: row.protected,
      createdAt: row.environment_created_at,
      latestDeployment: row.deployment_id
        ? {
            id: row.deployment_id,
            status: row.status,
            ref: row.ref,
            commitSha: row.commit_sha,
            queuedAt: row.queued_at,
          }
        : null,
    });
  }
  const items = [...projects.values()];
  return { items: items.slice(0, limit), nextCursor: items.length > limit ? (items[limit - 1]?.id ?? null) : null };
});

const project = (row: ProjectRow) => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  awsConnectionId: row.aws_connection_id,
  configRevision: row.config_revision,
  configSha256: row.config_sha256,
  createdAt: row.created_at,
  environments: [] as unknown[],
});

app.get('/healthz', async () => ({ ok: true }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', async () => {
  await app.close();
  await pool.end();
  await embedded?.stop();
  process.exit(0);
});
