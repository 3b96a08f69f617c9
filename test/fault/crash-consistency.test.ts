import type { PluginManager } from '../../host';
import { faultyManager, waitFor } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
let plugins: PluginManager;
beforeAll(async () => {
  ({ db, plugins } = await openSuite('crash_consistency', {
    manager: () => faultyManager({ restart: { maxRestarts: 1000, windowMs: 1000, baseDelayMs: 1, maxDelayMs: 5, circuitOpenMs: 100 } }),
  }));
  await db.admin.query('CREATE TABLE singles (id int PRIMARY KEY)');
  await db.admin.query('CREATE TABLE grouped (grp int NOT NULL, part int NOT NULL, PRIMARY KEY (grp, part))');
});
afterAll(() => closeSuite({ plugins, db }));

test('50 rounds of random SIGKILLs: every acknowledged write is present, every transaction all-or-nothing', async () => {
  const config = { ...db.config, max: 6 };
  const ackedSingles = new Set<number>();
  const ackedGroups = new Set<number>();
  let nextId = 1;
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

  for (let round = 0; round < 50; round++) {
    let writing = true;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      while (writing) {
        const id = nextId++;
        if ((id + w) % 2 === 0) {
          const r = await plugins.executePlugin('postgres-plugin', 'cc', config, 'execute', { sql: 'INSERT INTO singles VALUES ($1)', params: [id] });
          if (r.success) ackedSingles.add(id);
        } else {
          const r = await plugins.executePlugin('postgres-plugin', 'cc', config, 'transaction', {
            operations: [1, 2, 3].map((part) => ({ sql: 'INSERT INTO grouped VALUES ($1, $2)', params: [id, part] })),
          });
          if (r.success) ackedGroups.add(id);
        }
      }
    });
    await new Promise((r) => setTimeout(r, 30 + Math.floor(random() * 120)));
    const pid = plugins.workerPid();
    if (pid) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 20));
    writing = false;
    await Promise.all(writers);
    await waitFor(() => plugins.workerPid() !== undefined && plugins.workerPid() !== pid, 2000);
  }

  const singles = new Set((await db.admin.query('SELECT id FROM singles')).rows.map((r) => r.id as number));
  for (const id of ackedSingles) expect(singles.has(id)).toBe(true);
  const groups = await db.admin.query('SELECT grp, count(*)::int AS n FROM grouped GROUP BY grp');
  const partial = groups.rows.filter((g) => g.n !== 3);
  expect(partial).toEqual([]);
  const present = new Set(groups.rows.map((g) => g.grp as number));
  for (const id of ackedGroups) expect(present.has(id)).toBe(true);
  expect(ackedSingles.size + ackedGroups.size).toBeGreaterThan(200);
  console.log(`crash consistency: ${ackedSingles.size} single inserts and ${ackedGroups.size} transactions acknowledged over 50 kills`);
}, 120_000);
