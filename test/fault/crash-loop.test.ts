import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { faultyManager, waitFor } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => {
  ({ db } = await openSuite('crash_loop'));
});
afterAll(() => closeSuite({ db }));

test('a worker that dies at start opens the circuit; requests fail fast; it closes once the worker is healthy', async () => {
  const marker = path.join(os.tmpdir(), `die-at-start-${process.pid}-${Date.now()}`);
  fs.writeFileSync(marker, 'die');
  const plugins = faultyManager(
    { restart: { maxRestarts: 3, windowMs: 60_000, baseDelayMs: 20, maxDelayMs: 100, circuitOpenMs: 1500 } },
    { POSTGRES_PLUGIN_FAULT_EXIT_AT_START_FILE: marker },
  );
  const events: { type: string }[] = [];
  plugins.on('worker', (e: { type: string }) => events.push(e));
  try {
    const first = await plugins.executePlugin('postgres-plugin', 'loop', db.config, 'ping', {});
    expect(first.success === false && first.error.code).toBe('POSTGRES_WORKER_UNAVAILABLE');
    // The supervisor keeps retrying with backoff until the circuit opens after 3 failures.
    expect(await waitFor(() => events.some((e) => e.type === 'circuit-open'), 5000)).toBe(true);

    const started = Date.now();
    const fast = await plugins.executePlugin('postgres-plugin', 'loop', db.config, 'ping', {});
    expect(Date.now() - started).toBeLessThan(100);
    expect(fast.success === false && fast.error).toMatchObject({ code: 'POSTGRES_WORKER_UNAVAILABLE', message: expect.stringContaining('circuit is open') });

    fs.rmSync(marker);
    await new Promise((r) => setTimeout(r, 1600));
    const healed = await plugins.executePlugin('postgres-plugin', 'loop', db.config, 'ping', {});
    expect(healed).toEqual({ success: true, data: true });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['circuit-open', 'circuit-closed', 'start']));
  } finally {
    fs.rmSync(marker, { force: true });
    await plugins.shutdown();
  }
});
