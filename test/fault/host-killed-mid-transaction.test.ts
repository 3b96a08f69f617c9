import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { isAlive } from '../support/managers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('host_killed_tx');
  await db.admin.query('CREATE TABLE ledger (id int PRIMARY KEY, note text)');
});
afterAll(async () => {
  await db.drop();
});

test('host killed mid-handle: the open transaction leaves no writes and its session is gone within 2 s', async () => {
  const config = { ...db.config, applicationName: 'killed-mid-tx' };
  const host = spawn(
    process.execPath,
    [
      path.join(__dirname, '..', 'fixtures', 'hanging-host.js'),
      JSON.stringify({ config, instanceId: 'tx-victim', inHandle: ["INSERT INTO ledger VALUES (1, 'uncommitted')", "INSERT INTO ledger VALUES (2, 'uncommitted')"] }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve) => readline.createInterface({ input: host.stdout! }).once('line', resolve));
  const { workerPid, transactionId } = JSON.parse(line) as { workerPid: number; transactionId: string };
  expect(transactionId).toMatch(/^[0-9a-f-]{36}$/);
  const inTx = await db.admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'killed-mid-tx' AND state = 'idle in transaction'");
  expect(inTx.rows[0].n).toBe(1);

  host.kill('SIGKILL');
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline && (isAlive(workerPid) || (await sessions()) > 0)) await new Promise((r) => setTimeout(r, 20));
  expect(isAlive(workerPid)).toBe(false);
  expect(await sessions()).toBe(0);
  expect((await db.admin.query('SELECT count(*)::int AS n FROM ledger')).rows[0].n).toBe(0);
});

async function sessions(): Promise<number> {
  return (await db.admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'killed-mid-tx'")).rows[0].n;
}

