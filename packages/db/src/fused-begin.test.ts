import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uuidv7 } from './ids.ts';
import { type Orm, openDatabase } from './orm.ts';
import { USER_SETTING } from './tenancy.ts';

let orm: Orm;
beforeAll(async () => {
  orm = await openDatabase({ url: inject('databaseUrl'), poolSize: 2 });
});
afterAll(() => orm.close());

/** The statements the driver puts on the wire (each one a round trip) while `work` runs. */
async function sentBy(work: () => Promise<unknown>) {
  const sent: string[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function recording(this: pg.Client, ...args: unknown[]) {
    sent.push(typeof args[0] === 'string' ? args[0] : '(prepared)');
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    await work();
  } finally {
    pg.Client.prototype.query = query;
  }
  return sent;
}

describe('begin travels with the transaction’s first statement', () => {
  it('scopes the transaction in the same round trip as its begin', async () => {
    const userId = uuidv7();
    const em = orm.em.fork();
    em.setSessionContext({ variables: { [USER_SETTING]: userId } });
    await orm.em.fork().execute('select 1'); // a pooled connection already open: no set-up statements below
    let seen: unknown;
    const sent = await sentBy(() =>
      em.transactional(async (tx) => {
        [seen] = await tx.execute(`select current_setting('${USER_SETTING}', true) as user_id`);
      }),
    );
    expect(seen).toEqual({ user_id: userId });
    expect(sent).toHaveLength(3);
    expect(sent[0]).toMatch(/^begin;select set_config\('app\.user_id'/);
    expect(sent[2]).toBe('commit');
  });

  it('rolls a failing transaction back as before, leaving nothing set on the pooled connection', async () => {
    const em = orm.em.fork();
    em.setSessionContext({ variables: { [USER_SETTING]: uuidv7() } });
    await expect(em.transactional((tx) => tx.execute('select 1 / 0'))).rejects.toThrow(/division by zero/);
    const after = await orm.em.fork().execute(`select current_setting('${USER_SETTING}', true) as user_id`);
    expect(after).toEqual([{ user_id: '' }]);
    const again = await orm.em.fork().transactional((tx) => tx.execute('select 1 as one'));
    expect(again).toEqual([{ one: 1 }]);
  });
});
