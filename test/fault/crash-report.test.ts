import type { CrashReport, PluginManager, WorkerEvent } from '../../host';
import { faultyManager, waitFor } from '../support/managers';
import { memoryLogger } from '../support/memory-logger';
import { ownServerConfig, startOwnServer, type OwnServer } from '../support/own-server';
import { closeSuite } from '../support/suite-setup';
import { recordWorkerEvents } from '../support/worker-events';
import { UNTYPED_POSTGRES_PLUGIN } from '../support/untyped-plugin-name';

// Canaries: the server's password, a bind parameter and a literal in the SQL text. None may reach a crash report or the log.
const PASSWORD = 'Canary-Pass-5d1f0a-crash-report';
const PARAM = 'Canary-Param-77e2c4-never-reported';
const LITERAL = 'Canary-Literal-0b9d13-masked';

let server: OwnServer;
beforeAll(async () => {
  server = await startOwnServer(['--password', PASSWORD]);
});
afterAll(() => closeSuite({ server }));

/** A worker that dies of `fault` while a statement with canaries runs beside it: its exit event and the host's log. */
async function death(options: Parameters<typeof faultyManager>[0], fault: string) {
  const log = memoryLogger('info');
  const plugins: PluginManager = faultyManager({ ...options, logger: log.logger });
  const url = `postgres://${server.user}:${PASSWORD}@${server.host}:${server.port}/postgres`;
  const flat = ownServerConfig(server, { password: PASSWORD });
  try {
    expect((await plugins.executePlugin('postgres-plugin', 'tenant:url', { connectionString: url }, 'ping', {})).success).toBe(true);
    // A few heartbeats are answered first: the report carries the last memory reading.
    await new Promise((r) => setTimeout(r, 500));
    const events = recordWorkerEvents(plugins);
    const statement = plugins.executePlugin('postgres-plugin', 'tenant:flat', flat, 'query', { sql: `SELECT pg_sleep(5), $1::text, '${LITERAL}' AS tag`, params: [PARAM] });
    await new Promise((r) => setTimeout(r, 200));
    const dying = await plugins.executePlugin(UNTYPED_POSTGRES_PLUGIN, 'tenant:url', { connectionString: url }, fault, {});
    expect(dying).toMatchObject({ success: false, error: { code: 'POSTGRES_WORKER_CRASHED' } });
    expect((await statement).success).toBe(false);
    await waitFor(() => events.events.some((e) => e.type === 'exit'), 2000);
    events.stop();
    const exit = events.events.find((e): e is Extract<WorkerEvent, { type: 'exit' }> => e.type === 'exit')!;
    return { exit, report: exit.report!, log: log.lines, url };
  } finally {
    await plugins.shutdown();
  }
}

function expectNoCanary(texts: string[], url: string): void {
  for (const text of texts) for (const secret of [PASSWORD, PARAM, LITERAL, url]) expect(text).not.toContain(secret);
}

function expectInFlight(report: CrashReport, fault: string): void {
  expect(report.inFlight).toEqual(
    expect.arrayContaining([
      { operation: 'query', instanceId: 'tenant:flat', statement: 'SELECT pg_sleep(?), $1::text, ? AS tag' },
      { operation: fault, instanceId: 'tenant:url' },
    ]),
  );
  expect(report.memory).toEqual({ rssMb: expect.any(Number), heapUsedMb: expect.any(Number), heapTotalMb: expect.any(Number), at: expect.any(String) });
  expect(report.memory!.rssMb).toBeGreaterThan(10);
}

test('a heartbeat kill is reported as such: reason, signal, in-flight operations, last memory reading; no canary anywhere', async () => {
  const { exit, report, log, url } = await death({ heartbeatIntervalMs: 100, heartbeatTimeoutMs: 500 }, '__faultBusyLoop');
  expect(exit).toMatchObject({ reason: 'heartbeat', expected: false, signal: 'SIGKILL' });
  expect(report).toMatchObject({ reason: 'heartbeat', exitCode: null, signal: 'SIGKILL', stderr: expect.any(Array) });
  expectInFlight(report, '__faultBusyLoop');
  const line = log.find((l) => l.includes('"crash"'));
  expect(line).toBeDefined();
  expect(JSON.parse(line!)).toMatchObject({ msg: 'worker died (heartbeat); restarting', crash: { reason: 'heartbeat' } });
  expectNoCanary([JSON.stringify(exit), ...log], url);
});

test('a memory-cap death is reported as such, with V8’s last words in the stderr tail; no canary anywhere', async () => {
  const { exit, report, log, url } = await death({ maxMemoryMb: 64, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 20_000 }, '__faultAllocate');
  expect(exit).toMatchObject({ reason: 'memory-cap', expected: false });
  expect(report.reason).toBe('memory-cap');
  expect(report.stderr.join('\n')).toMatch(/heap out of memory|Reached heap limit/);
  expectInFlight(report, '__faultAllocate');
  expect(log.some((l) => l.includes('worker died (memory-cap)'))).toBe(true);
  expectNoCanary([JSON.stringify(exit), ...log], url);
});
