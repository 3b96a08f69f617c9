import { spawn } from 'node:child_process';
import path from 'node:path';
import type { PluginManager } from '../../host';
import { quietManager, waitFor } from '../support/managers';
import { countSessions } from '../support/server-activity';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

/**
 * PluginManager.stream: a result of any size in batches through a cursor,
 * memory bounded on both sides, every row once and in order; leaving the
 * loop early ends the statement on the server.
 */

const STREAM_HOST = path.join(__dirname, '..', 'fixtures', 'stream-host.js');
/** ~100 bytes a row as JSON: 5,000,000 rows ≈ 0.5 GB. */
const rowsSql = (n: number) => `SELECT i, md5(i::text) AS a, repeat('x', 40) AS b FROM generate_series(1, ${n}) AS i`;

let db: TestDatabase;
let plugins: PluginManager;
const APP = 'stream-suite';

beforeAll(async () => {
  ({ db, plugins } = await openSuite('result_streaming', { manager: () => quietManager('warn') }));
});
afterAll(() => closeSuite({ plugins, db }));

const config = () => ({ ...db.config, applicationName: APP });
const heldSessions = () => countSessions(db.admin, { database: db.name, applicationName: APP, state: ['active', 'idle in transaction'] });

interface StreamReport {
  rows: number;
  batches: number;
  outOfOrder: number;
  complete: boolean;
  ms: number;
  hostPeakKb: number;
  workerPeakKb: number;
}

function streamInChild(plan: Record<string, unknown>): Promise<StreamReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [STREAM_HOST, JSON.stringify(plan)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as StreamReport) : reject(new Error(`stream host exited ${code}: ${err}`))));
  });
}

test('5,000,000 rows (~0.5 GB as JSON) stream through the host API once each and in order, host and worker peak RSS each under 200 MB', async () => {
  const report = await streamInChild({ config: config(), instanceId: 'stream:db', sql: rowsSql(5_000_000), batchSize: 2000, expectRows: 5_000_000 });
  console.log(`stream: ${report.rows} rows in ${report.batches} batches, ${report.ms} ms; peak RSS host ${Math.round(report.hostPeakKb / 1024)} MB, worker ${Math.round(report.workerPeakKb / 1024)} MB`);
  expect(report).toMatchObject({ rows: 5_000_000, outOfOrder: 0, complete: true });
  expect(report.hostPeakKb).toBeGreaterThan(0);
  expect(report.hostPeakKb).toBeLessThan(200 * 1024);
  expect(report.workerPeakKb).toBeGreaterThan(0);
  expect(report.workerPeakKb).toBeLessThan(200 * 1024);
  expect(await heldSessions()).toBe(0);
}, 240_000);

test('breaking out after the first batch ends the statement on the server within 1 s', async () => {
  const sql = rowsSql(2_000_000);
  let seen = 0;
  for await (const rows of plugins.stream<{ i: number }>('postgres-plugin', 'stream-break:db', config(), { sql, batchSize: 1000 })) {
    seen += rows.length;
    expect(rows[0]!.i).toBe(1);
    break;
  }
  expect(seen).toBe(1000);
  const ended = Date.now();
  expect(await waitFor(async () => (await heldSessions()) === 0, 1_000)).toBe(true);
  expect(Date.now() - ended).toBeLessThan(1_000);
  expect(await plugins.executePlugin('postgres-plugin', 'stream-break:db', config(), 'getStats', {})).toMatchObject({ success: true, data: { openCursors: 0 } });
});

test('an exception in the loop body closes the cursor too; an AbortSignal stops the stream with POSTGRES_QUERY_CANCELLED', async () => {
  const sql = rowsSql(1_000_000);
  await expect(
    (async () => {
      for await (const rows of plugins.stream('postgres-plugin', 'stream-throw:db', config(), { sql })) {
        if (rows.length > 0) throw new Error('consumer failed');
      }
    })(),
  ).rejects.toThrow('consumer failed');
  expect(await waitFor(async () => (await heldSessions()) === 0, 1_000)).toBe(true);

  const controller = new AbortController();
  let batches = 0;
  await expect(
    (async () => {
      for await (const _rows of plugins.stream('postgres-plugin', 'stream-abort:db', config(), { sql, batchSize: 100 }, { signal: controller.signal })) {
        if (++batches === 3) controller.abort();
      }
    })(),
  ).rejects.toMatchObject({ code: 'POSTGRES_QUERY_CANCELLED' });
  expect(await waitFor(async () => (await heldSessions()) === 0, 1_000)).toBe(true);
});

test('a stream inside a transaction handle reads its snapshot, and a statement error is thrown as a PluginError', async () => {
  await db.admin.query('CREATE TABLE IF NOT EXISTS streamed (i int)');
  const begun = await plugins.executePlugin<{ transactionId: string }>('postgres-plugin', 'stream-tx:db', config(), 'beginTransaction', {});
  if (!begun.success) throw new Error(begun.error.message);
  const { transactionId } = begun.data;
  await plugins.executePlugin('postgres-plugin', 'stream-tx:db', config(), 'execute', { sql: 'INSERT INTO streamed SELECT generate_series(1, 2500)', transactionId });
  const seen: number[] = [];
  for await (const rows of plugins.stream<{ i: number }>('postgres-plugin', 'stream-tx:db', config(), { sql: 'SELECT i FROM streamed ORDER BY i', transactionId, batchSize: 1000 })) {
    seen.push(...rows.map((r) => r.i));
  }
  expect(seen).toEqual(Array.from({ length: 2500 }, (_, k) => k + 1));
  await plugins.executePlugin('postgres-plugin', 'stream-tx:db', config(), 'rollback', { transactionId });
  await expect(
    (async () => {
      for await (const _rows of plugins.stream('postgres-plugin', 'stream-tx:db', config(), { sql: 'SELECT no_such_column FROM streamed' })) {
        // never reached
      }
    })(),
  ).rejects.toMatchObject({ code: 'POSTGRES_QUERY_FAILED', details: { sqlState: '42703' } });
  expect(await heldSessions()).toBe(0);
});
