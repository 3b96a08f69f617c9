/**
 * Suite `tenants` (docs/tenants.md): 1,000 tenants, each with its own login,
 * through one PluginManager with the default budget (100 connections per
 * server): the time until every tenant has had its first answer, requests/s
 * at 50 in flight spread over 1,000 (and over 100) tenants against the same
 * load on one instance, the peak of the plugin's server connections, and the
 * worker's memory with 1,000 open and with 1,000 idle-closed instances.
 * Logins are SCRAM-SHA-256 with one iteration (scripts/support/tenant-logins).
 */
import pino from 'pino';
import { BUNDLED_WORKER, PluginManager } from '../../host/plugin-manager';
import { PLUGIN_NAME } from '../../shared/protocol';
import type { WorkerConnectionStats } from '../../shared/worker-limits';
import { sampleSessions } from '../support/session-sampler';
import { createTenantLogins, type TenantLogin } from '../support/tenant-logins';
import { CellMeasure, type LoadResult } from './load-loop';
import type { Suite } from './suite';

const TENANTS = 1000;
const IN_FLIGHT = 50;
/** Long enough that no instance closes while the thousand first answers are still coming. */
const IDLE_INSTANCE_MS = 10_000;

const kb = (bytes: number): string => `${Math.round(bytes / 1024).toLocaleString('en-US')} KB`;

export const tenantsSuite: Suite = async ({ server, settings }) => {
  console.log(`\n== Suite tenants: ${TENANTS} tenants with their own logins, ${IN_FLIGHT} in flight, default budget ==`);
  const logins = await createTenantLogins(server, TENANTS + 1);
  const configOf = (login: TenantLogin) => ({ host: server.host, port: server.port, database: server.database, ...login, pool: { idleTimeoutMillis: 1000 } });
  const logger = pino({ level: 'warn' }, pino.destination(2));
  // Time and throughput with the defaults; memory in a worker whose instances close after 10 s idle,
  // started with --expose-gc so that worker/stats measures after a full collection.
  const plugins = new PluginManager({ logger });
  const memoryPlugins = new PluginManager({
    logger,
    idleInstanceTimeoutMs: IDLE_INSTANCE_MS,
    plugins: { [PLUGIN_NAME]: { command: process.execPath, args: ['--expose-gc', BUNDLED_WORKER] } },
  });
  const sessions = await sampleSessions(server, "usename LIKE 'tenant\\_%'");
  let failures = 0;
  const callOn = (manager: PluginManager) => async (i: number): Promise<void> => {
    const res = await manager.executePlugin(PLUGIN_NAME, `tenant-${i}:db`, configOf(logins[i]!), 'queryValue', { sql: 'SELECT 1' });
    if (!res.success) throw new Error(`${res.error.code}: ${res.error.message}`);
  };
  const call = callOn(plugins);
  const eachTenantOnce = async (manager: PluginManager): Promise<number> => {
    const once = callOn(manager);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let i = next++; i < TENANTS; i = next++) await once(i).catch(() => failures++);
      }),
    );
    return performance.now() - started;
  };
  const worker = async (): Promise<WorkerConnectionStats> => (await memoryPlugins.connectionStats()).workers[0]!;
  try {
    await call(TENANTS);
    const firstAnswers = await eachTenantOnce(plugins);

    // The ratio the issue asks for: spread over all tenants against one instance, taking turns in rounds.
    const measures: [string, CellMeasure][] = [
      [`spread over ${TENANTS} tenants`, new CellMeasure(() => call(Math.floor(Math.random() * TENANTS)), IN_FLIGHT)],
      ['one instance (baseline)', new CellMeasure(() => call(TENANTS), IN_FLIGHT)],
    ];
    for (let round = 0; round < settings.rounds; round++) {
      for (const [, measure] of measures) await measure.round((settings.warmupSeconds * 1000) / settings.rounds, (settings.seconds * 1000) / settings.rounds);
    }
    // 100 tenants fit the budget: measured in one go after a warm-up long enough for their connections to settle.
    const fitting = new CellMeasure(() => call(Math.floor(Math.random() * 100)), IN_FLIGHT);
    await fitting.round(Math.max(2000, settings.warmupSeconds * 1000), settings.seconds * 1000);
    const results: [string, LoadResult][] = [measures[0]!, ['spread over 100 tenants (fit the budget)', fitting] as [string, CellMeasure], measures[1]!].map(([label, m]) => [label, m.result()]);
    failures += results.reduce((n, [, r]) => n + r.failures, 0);

    await callOn(memoryPlugins)(TENANTS); // the worker started and one instance open: the memory baseline
    const baseline = await worker();
    await eachTenantOnce(memoryPlugins);
    const open = await worker();
    const closedBy = Date.now() + IDLE_INSTANCE_MS * 3;
    let closed = await worker();
    while (closed.instances.idleClosed < TENANTS + 1 && Date.now() < closedBy) {
      await new Promise((r) => setTimeout(r, 250));
      closed = await worker();
    }
    const peak = await sessions.stop();

    const baselineRate = results[results.length - 1]![1].throughput;
    console.log(`  ${settings.warmupSeconds} s warm-up + ${settings.seconds} s measured per cell (spread and one instance in ${settings.rounds} interleaved rounds)\n`);
    console.log(`  first answer for all ${TENANTS} tenants (cold: ${TENANTS} new logins, at most 100 connections): ${(firstAnswers / 1000).toFixed(2)} s`);
    console.log(`\n  ${'load, 50 in flight'.padEnd(42)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'× one instance'.padStart(16)}`);
    for (const [label, r] of results) {
      console.log(`  ${label.padEnd(42)}${Math.round(r.throughput).toString().padStart(9)}${r.p50Ms.toFixed(2).padStart(9)}${r.p99Ms.toFixed(2).padStart(9)}${(r.throughput / baselineRate).toFixed(2).padStart(16)}`);
    }
    console.log(`\n  peak server connections of the tenants (pg_stat_activity): ${peak} (budget ${open.maxServerConnections})`);
    console.log(`\n  ${'worker memory'.padEnd(44)}${'RSS'.padStart(12)}${'V8 heap used'.padStart(14)}`);
    const row = (label: string, s: WorkerConnectionStats) => console.log(`  ${label.padEnd(44)}${kb(s.memory.rssBytes).padStart(12)}${kb(s.memory.heapUsedBytes).padStart(14)}`);
    row('1 instance', baseline);
    row(`${open.instances.open} open instances`, open);
    row(`${closed.instances.idleClosed} idle-closed instances`, closed);
    const per = (a: number, b: number) => `${((a - b) / 1024 / TENANTS).toFixed(1)} KB`;
    console.log(`  per open instance: ${per(open.memory.rssBytes, closed.memory.rssBytes)} RSS, ${per(open.memory.heapUsedBytes, closed.memory.heapUsedBytes)} heap more than idle-closed`);
    console.log(`  per idle-closed instance: ${per(closed.memory.heapUsedBytes, baseline.memory.heapUsedBytes)} heap (its config text and registry entry)`);
    return failures;
  } finally {
    await Promise.all([plugins.shutdown(), memoryPlugins.shutdown()]);
  }
};
