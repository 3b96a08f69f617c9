import type { PluginManager } from '../../host';
import { faultyManager, waitFor } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';
import { UNTYPED_POSTGRES_PLUGIN } from '../support/untyped-plugin-name';

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

/** What the database must hold of one group of three rows, by what its caller was told. */
type Expectation = 'present' | 'absent';

test('50 rounds of random SIGKILLs: acknowledged writes present, transactions all-or-nothing, every crashed transaction answer says committed or rolled-back and the database agrees', async () => {
  const config = { ...db.config, max: 8 };
  const ackedSingles = new Set<number>();
  const groups = new Map<number, Expectation>();
  const acknowledged = { transaction: 0, commit: 0 };
  const outcomes = { committed: 0, 'rolled-back': 0 };
  const unexplained: unknown[] = [];
  let nextId = 1;
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const call = <T>(operation: string, params: Record<string, unknown>) => plugins.executePlugin<string, T>(UNTYPED_POSTGRES_PLUGIN, 'cc', config, operation, params);
  const insertPart = (grp: number, part: number, transactionId?: string) => ({ sql: 'INSERT INTO grouped VALUES ($1, $2)', params: [grp, part], ...(transactionId ? { transactionId } : {}) });

  /** The answer to a `transaction` call or a handle's `commit`: acknowledged, or crashed with an outcome. */
  const settle = (grp: number, kind: 'transaction' | 'commit', r: { success: true } | { success: false; error: { code: string; details: Record<string, unknown> } }) => {
    if (r.success) {
      acknowledged[kind]++;
      groups.set(grp, 'present');
      return;
    }
    const outcome = r.error.details.outcome;
    if (r.error.code === 'POSTGRES_WORKER_CRASHED' && (outcome === 'committed' || outcome === 'rolled-back')) {
      outcomes[outcome]++;
      groups.set(grp, outcome === 'committed' ? 'present' : 'absent');
    } else unexplained.push({ kind, code: r.error.code, outcome });
  };

  const singleWriter = async (stop: () => boolean) => {
    while (!stop()) {
      const id = nextId++;
      const r = await call('execute', { sql: 'INSERT INTO singles VALUES ($1)', params: [id] });
      if (r.success) ackedSingles.add(id);
    }
  };
  const transactionWriter = async (stop: () => boolean) => {
    while (!stop()) {
      const grp = nextId++;
      settle(grp, 'transaction', await call('transaction', { operations: [1, 2, 3].map((part) => insertPart(grp, part)) }));
    }
  };
  const handleWriter = async (stop: () => boolean) => {
    while (!stop()) {
      const grp = nextId++;
      const begun = await call<{ transactionId: string }>('beginTransaction', {});
      if (!begun.success) continue;
      const { transactionId } = begun.data;
      let inserted = true;
      for (const part of [1, 2, 3]) inserted = inserted && (await call('execute', insertPart(grp, part, transactionId))).success;
      if (inserted) settle(grp, 'commit', await call('commit', { transactionId }));
      else {
        // Lost with its worker: nothing of it may be there.
        groups.set(grp, 'absent');
        await call('rollback', { transactionId });
      }
    }
  };

  for (let round = 0; round < 50; round++) {
    let writing = true;
    const stop = () => !writing;
    const writers = [singleWriter, singleWriter, transactionWriter, transactionWriter, transactionWriter, handleWriter, handleWriter].map((w) => w(stop));
    await new Promise((r) => setTimeout(r, 30 + Math.floor(random() * 120)));
    const pid = plugins.workerPid();
    if (pid) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 20));
    writing = false;
    // Crashed transaction answers come once the restarted worker has asked the server what became of them.
    await Promise.all(writers);
    await waitFor(() => plugins.workerPid() !== undefined && plugins.workerPid() !== pid, 2000);
  }

  const singles = new Set((await db.admin.query('SELECT id FROM singles')).rows.map((r) => r.id as number));
  for (const id of ackedSingles) expect(singles.has(id)).toBe(true);
  const held = new Map((await db.admin.query('SELECT grp, count(*)::int AS n FROM grouped GROUP BY grp')).rows.map((g) => [g.grp as number, g.n as number]));
  expect([...held].filter(([, n]) => n !== 3)).toEqual([]);
  expect(unexplained).toEqual([]);
  expect([...groups].filter(([grp, want]) => (want === 'present') !== held.has(grp))).toEqual([]);
  expect(ackedSingles.size + acknowledged.transaction + acknowledged.commit).toBeGreaterThan(200);
  expect(outcomes.committed + outcomes['rolled-back']).toBeGreaterThanOrEqual(50);
  console.log(
    `crash consistency over 50 kills: ${ackedSingles.size} single inserts, ${acknowledged.transaction} transaction calls and ${acknowledged.commit} handle commits acknowledged; ` +
      `crashed transaction answers by outcome: committed ${outcomes.committed}, rolled-back ${outcomes['rolled-back']}, unknown 0`,
  );
}, 180_000);
