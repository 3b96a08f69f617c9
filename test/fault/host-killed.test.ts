import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { isAlive } from '../support/managers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('host_killed');
});
afterAll(async () => {
  await db.drop();
});

const HOST = path.join(__dirname, '..', 'fixtures', 'hanging-host.js');

test('host killed with SIGKILL: the worker exits within 2 s and its server sessions are gone', async () => {
  const config = { ...db.config, applicationName: 'killed-host' };
  const host = spawn(process.execPath, [HOST, JSON.stringify({ config, instanceId: 'victim', background: 'SELECT pg_sleep(60)' })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve) => readline.createInterface({ input: host.stdout! }).once('line', resolve));
  const { workerPid } = JSON.parse(line) as { workerPid: number };
  await waitFor(async () => (await activeSleeps()) === 1, 5000);
  expect(await activeSleeps()).toBe(1);

  host.kill('SIGKILL');
  const killedAt = Date.now();
  await waitFor(async () => !isAlive(workerPid), 3000);
  expect(isAlive(workerPid)).toBe(false);
  expect(Date.now() - killedAt).toBeLessThan(2000);

  await waitFor(async () => (await sessions()) === 0, 2000);
  expect(await sessions()).toBe(0);
});

async function sessions(): Promise<number> {
  const r = await db.admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'killed-host'");
  return r.rows[0].n;
}

async function activeSleeps(): Promise<number> {
  const r = await db.admin.query(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'killed-host' AND state = 'active' AND query LIKE 'SELECT pg_sleep%'",
  );
  return r.rows[0].n;
}


async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !(await check())) await new Promise((r) => setTimeout(r, 20));
}
