import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uuidv7 } from './ids.ts';
import { type Orm, openDatabase } from './orm.ts';
import { USER_SETTING } from './tenancy.ts';
import { queriesSentBy } from './testing/queries-sent.ts';

let orm: Orm;
beforeAll(async () => {
  orm = await openDatabase({ url: inject('databaseUrl'), poolSize: 2 });
});
afterAll(() => orm.close());

describe('begin travels with the transaction’s first statement', () => {
  it('scopes the transaction in the same round trip as its begin', async () => {
    const userId = uuidv7();
    const em = orm.em.fork();
    em.setSessionContext({ variables: { [USER_SETTING]: userId } });
    await orm.em.fork().execute('select 1'); // a pooled connection already open: no set-up statements below
    let seen: unknown;
    const sent = (
      await queriesSentBy(() =>
        em.transactional(async (tx) => {
          [seen] = await tx.execute(`select current_setting('${USER_SETTING}', true) as user_id`);
        }),
      )
    ).map((query) => query.text);
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
