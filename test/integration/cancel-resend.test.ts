/**
 * A cancel that reaches the server before its statement runs (the backend is
 * reading its next command) is ignored by PostgreSQL. The worker's cancel of a
 * statement is sent again until the statement has ended, so such a statement
 * still stops on the server.
 */
import pg from 'pg';
import { StatementCancel } from '../../worker/connection/cancel-request';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => {
  ({ db } = await openSuite('cancel_resend'));
});
afterAll(() => closeSuite({ db }));

test('a cancel that reached the server before its statement started is sent again, and the statement stops within 1 s', async () => {
  const client = new pg.Client(db.config);
  await client.connect();
  try {
    // The first cancel lands while the session is idle (PostgreSQL ignores it); the statement starts after it.
    const cancel = new StatementCancel(client);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    const error = await client.query('SELECT pg_sleep(5)').then(
      () => undefined,
      (e: unknown) => e as { code?: string },
    );
    const took = Date.now() - started;
    await cancel.finish();
    expect(error?.code).toBe('57014');
    expect(took).toBeLessThan(1_000);
    // The session is usable again, and no cancel is left to hit its next statement.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await client.query('SELECT 1 AS one')).rows[0].one).toBe(1);
  } finally {
    await client.end();
  }
});
