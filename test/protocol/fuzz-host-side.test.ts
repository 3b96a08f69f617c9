/**
 * The fuzz suite's host side: the stream between host and worker survives a
 * worker that writes garbage on stdout, answers over the message limit,
 * requests over it, and a host that stops reading. No promise hangs: every
 * call settles within the bound stated here.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { PluginManager } from '../../host';
import { faultyManager, isAlive, quietManager, waitFor } from '../support/managers';
import { RawWorker } from '../support/raw-worker';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';
import { UNTYPED_POSTGRES_PLUGIN } from '../support/untyped-plugin-name';

/** Longest a call may take to settle after the worker broke the stream (kill, exit, answer). */
const SETTLE_BOUND_MS = 2_000;

let db: TestDatabase;
beforeAll(async () => {
  ({ db } = await openSuite('fuzz_host_side'));
});
afterAll(() => closeSuite({ db }));

/** Resolves with how long `promise` took to settle, or rejects past `bound`. */
async function settlesWithin<T>(promise: Promise<T>, bound: number): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${bound} ms`)), bound);
  });
  try {
    return { value: await Promise.race([promise, late]), ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

describe('garbage on the worker\'s stdout', () => {
  let plugins: PluginManager;
  beforeAll(() => {
    // Every run kills a worker on purpose: no circuit, no backoff in between.
    plugins = faultyManager({ heartbeatIntervalMs: 60_000, heartbeatTimeoutMs: 60_000, restart: { maxRestarts: 100, baseDelayMs: 1, maxDelayMs: 1 } });
  });
  afterAll(() => plugins.shutdown());

  test('is detected at once: the worker is restarted and every request in flight answers promptly', async () => {
    const garbage = fc.oneof(
      fc.constantFrom('stray output\n', 'Content-Length: abc\r\n\r\n', 'Content-Length: 5\r\nX\r\n\r\n', '\u0000\u0001\u0002', 'password=hunter2 host=x\n'),
      fc.string({ minLength: 1, maxLength: 40 }).map((s) => `${s}\n`),
    );
    const latencies: number[] = [];
    await fc.assert(
      fc.asyncProperty(garbage, async (text) => {
        const before = await plugins.executePlugin('postgres-plugin', 'victim:db', db.config, 'queryValue', { sql: 'SELECT 1' });
        expect(before.success ? 'ok' : before.error).toBe('ok');
        const pid = plugins.workerPid()!;
        const inFlight = plugins.executePlugin('postgres-plugin', 'victim:db', db.config, 'query', { sql: 'SELECT pg_sleep(20)' });
        await new Promise((resolve) => setTimeout(resolve, 100));
        const culprit = plugins.executePlugin(UNTYPED_POSTGRES_PLUGIN, 'culprit:db', db.config, '__faultStdout', { text });
        const [victim, guilty] = await Promise.all([settlesWithin(inFlight, SETTLE_BOUND_MS), settlesWithin(culprit, SETTLE_BOUND_MS)]);
        latencies.push(victim.ms);
        expect(victim.value.success ? 'ok' : victim.value.error.code).toBe('POSTGRES_WORKER_CRASHED');
        expect(guilty.value.success).toBe(false);
        expect(await waitFor(() => !isAlive(pid), 2_000)).toBe(true);
        const after = await plugins.executePlugin('postgres-plugin', 'victim:db', db.config, 'queryValue', { sql: 'SELECT 2' });
        expect(after.success ? after.data : after.error.code).toBe(2);
      }),
      { numRuns: 6 },
    );
    console.log(`garbage on stdout: in-flight requests settled in ${Math.max(...latencies)} ms at most (bound ${SETTLE_BOUND_MS} ms)`);
  }, 120_000);
});

describe('messages over the limit', () => {
  let plugins: PluginManager;
  beforeAll(() => {
    plugins = quietManager('fatal', { maxMessageBytes: 1_000_000 });
  });
  afterAll(() => plugins.shutdown());

  test('an answer over the limit is POSTGRES_RESULT_TOO_LARGE for that request only; the worker and its handles live on', async () => {
    const begun = await plugins.executePlugin('postgres-plugin', 'other:db', db.config, 'beginTransaction', {});
    expect(begun.success).toBe(true);
    const pid = plugins.workerPid()!;
    const big = await settlesWithin(plugins.executePlugin('postgres-plugin', 'big:db', db.config, 'queryValue', { sql: "SELECT repeat('x', 2000000)" }), SETTLE_BOUND_MS);
    expect(big.value.success ? 'ok' : big.value.error.code).toBe('POSTGRES_RESULT_TOO_LARGE');
    expect(plugins.workerPid()).toBe(pid);
    const inHandle = await plugins.executePlugin('postgres-plugin', 'other:db', db.config, 'queryValue', { sql: 'SELECT 3', transactionId: (begun as { data: { transactionId: string } }).data.transactionId });
    expect(inHandle.success ? inHandle.data : inHandle.error.code).toBe(3);
  });

  test('a request over the limit is refused by the host before it is sent; the worker and its handles live on', async () => {
    const begun = await plugins.executePlugin('postgres-plugin', 'other:db', db.config, 'beginTransaction', {});
    expect(begun.success).toBe(true);
    const pid = plugins.workerPid()!;
    const res = await plugins.executePlugin('postgres-plugin', 'big:db', db.config, 'queryValue', { sql: 'SELECT length($1)', params: ['y'.repeat(2_000_000)] });
    expect(res.success ? 'ok' : res.error.code).toBe('POSTGRES_INVALID_PARAMS');
    expect(plugins.workerPid()).toBe(pid);
    const inHandle = await plugins.executePlugin('postgres-plugin', 'other:db', db.config, 'queryValue', { sql: 'SELECT 4', transactionId: (begun as { data: { transactionId: string } }).data.transactionId });
    expect(inHandle.success ? inHandle.data : inHandle.error.code).toBe(4);
  });
});

describe('on the raw worker', () => {
  // The result budget at its largest (1 GiB), so the answer, not the budget, is what passes a limit.
  const unbudgeted = () => ({ ...db.config, options: { maxResultBytes: 1024 * 1024 * 1024 } });
  const execute = (id: number, sql: string) => ({ jsonrpc: '2.0', id, method: 'execute', params: { instanceId: 'raw:db', operation: 'query', config: unbudgeted(), params: { sql } } });

  test('a result past the longest string V8 can write is answered POSTGRES_RESULT_TOO_LARGE, and the worker answers on', async () => {
    const worker = new RawWorker();
    try {
      await worker.initialize();
      const answer = worker.waitFor((m) => m.id === 1, 110_000);
      worker.send(execute(1, "SELECT repeat('x', 1000000) FROM generate_series(1, 600)"));
      const res = await answer;
      expect(res.error?.data?.code).toBe('POSTGRES_RESULT_TOO_LARGE');
      expect(res.error?.data?.details).not.toHaveProperty('maxBytes');
      expect((await worker.request(2, 'execute', execute(2, 'SELECT 5 AS n').params)).result.rows).toEqual([{ n: 5 }]);
    } finally {
      await worker.close();
    }
  }, 120_000);

  test('a host that stops reading gets backpressure: the worker stops taking requests, its memory stays bounded, every answer arrives later', async () => {
    const worker = new RawWorker();
    try {
      await worker.initialize();
      worker.child.stdout.pause();
      // The host keeps sending while it reads nothing: 1 MB answers fill the pipe, then the worker
      // stops reading stdin and leaves what it has read unstarted.
      const count = 400;
      for (let i = 1; i <= count; i++) {
        worker.send(execute(i, "SELECT repeat('z', 1000000) AS blob"));
        if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const rssMb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${worker.child.pid}/status`, 'utf8'))![1]) / 1024;
      console.log(`non-reading host: worker RSS ${rssMb.toFixed(0)} MB with ${count} answers of 1 MB asked for`);
      expect(rssMb).toBeLessThan(400);
      // Reading again: every answer arrives (counted as bytes, a strict parse of 200 MB would be the test's own bottleneck).
      let received = 0;
      worker.child.stdout.removeAllListeners('data');
      worker.child.stdout.on('data', (chunk: Buffer) => (received += chunk.length));
      worker.child.stdout.resume();
      // Bounded by progress, not by a total time (on a loaded machine 400 MB take a while): a
      // stalled worker sends nothing for STALL_MS and fails the test.
      const STALL_MS = 15_000;
      let last = -1;
      while (received < count * 1_000_000 && received > last) {
        last = received;
        await waitFor(() => received >= count * 1_000_000, STALL_MS, 100);
      }
      expect({ received: received >= count * 1_000_000, bytes: received }).toEqual({ received: true, bytes: received });
    } finally {
      await worker.close();
    }
  }, 120_000);
});
