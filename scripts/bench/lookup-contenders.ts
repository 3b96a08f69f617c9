/**
 * The four ways the lookup suite runs the same primary-key lookup: in-process
 * `pg.Pool` with unnamed and with named prepared statements (the baselines),
 * and the plugin worker through `PluginManager.executePlugin` with its
 * default (prepared statements on) and with `preparedStatements: false`.
 * Every request checks its answer: a failed envelope, an error or a wrong row
 * throws, and the load loop counts it as a failure.
 */
import pg from 'pg';
import type { PluginManager } from '../../host/plugin-manager';
import type { QueryResult } from '../../shared/results';
import { BENCH_ROWS, connectionOf, type BenchServer } from './bench-server';
import type { Contender, StatementMode } from './contender';
import type { Operation } from './load-loop';
export type { Contender, StatementMode } from './contender';
import { jsonRpcEchoFloor, rawPipeFloor } from './hop-floors';
import { LOOKUP_SQL } from './lookup-sql';
import { sdkOwnWorkMicros } from './sdk-own-work';
import { TelemetrySdk } from './telemetry-sdk';

const STATEMENT_NAME = 'bench_pk';
const POOL_MAX = 10;
const PLUGIN = 'postgres-plugin';

function randomId(): number {
  return 1 + Math.floor(Math.random() * BENCH_ROWS);
}

interface LookupRow {
  id: number;
}

function checkRow(rows: readonly unknown[], id: number): void {
  const row = rows[0] as LookupRow | undefined;
  if (rows.length !== 1 || row?.id !== id) throw new Error(`lookup of id ${id} answered ${rows.length} row(s), id ${String(row?.id)}`);
}

function pgContender(server: BenchServer, mode: StatementMode): Contender {
  const pool = new pg.Pool({ ...connectionOf(server), max: POOL_MAX });
  // A pool error on an idle client must not crash the bench; the next query reports it.
  pool.on('error', () => undefined);
  const operation: Operation =
    mode === 'prepared'
      ? async () => {
          const id = randomId();
          const result = await pool.query({ name: STATEMENT_NAME, text: LOOKUP_SQL, values: [id] });
          checkRow(result.rows, id);
        }
      : async () => {
          const id = randomId();
          const result = await pool.query(LOOKUP_SQL, [id]);
          checkRow(result.rows, id);
        };
  return {
    label: mode === 'prepared' ? 'pg prepared' : 'pg',
    kind: 'pg',
    mode,
    isDefault: mode === 'unnamed',
    operation,
    close: () => pool.end(),
  };
}

function workerContender(plugins: PluginManager, server: BenchServer, mode: StatementMode, sdk?: TelemetrySdk): Contender {
  const config: Record<string, unknown> = { ...connectionOf(server), max: POOL_MAX };
  if (mode === 'unnamed') config.options = { preparedStatements: false };
  // Different instances: each has its own pool in the worker, configured once.
  const instanceId = sdk ? 'bench:db-traced' : mode === 'prepared' ? 'bench:db' : 'bench:db-unnamed';
  const operation: Operation = async () => {
    const id = randomId();
    const res = await plugins.executePlugin<QueryResult>(PLUGIN, instanceId, config, 'query', { sql: LOOKUP_SQL, params: [id] });
    if (!res.success) throw new Error(`${res.error.code}: ${res.error.message}`);
    checkRow(res.data.rows, id);
  };
  const plain = mode === 'prepared' ? 'worker (default, prepared)' : 'worker (preparedStatements: false)';
  const childPid = () => plugins.workerPid();
  if (sdk) {
    return {
      label: 'worker + OpenTelemetry SDK',
      kind: 'worker',
      mode,
      isDefault: false,
      operation,
      plainTwin: plain,
      childPid,
      enter: () => sdk.enter(),
      leave: () => sdk.leave(),
      close: () => sdk.close(),
      sdkOwnWorkMicros: () => sdkOwnWorkMicros(sdk, config, LOOKUP_SQL),
    };
  }
  return { label: plain, kind: 'worker', mode, isDefault: mode === 'prepared', operation, childPid, close: async () => undefined };
}

/** The contenders in measuring order: the floors, the baselines, the worker in the same two modes, then the default worker with the SDK registered. */
export function lookupContenders(plugins: PluginManager, server: BenchServer): Contender[] {
  return [
    rawPipeFloor(),
    jsonRpcEchoFloor(),
    pgContender(server, 'unnamed'),
    pgContender(server, 'prepared'),
    workerContender(plugins, server, 'prepared'),
    workerContender(plugins, server, 'unnamed'),
    workerContender(plugins, server, 'prepared', new TelemetrySdk()),
  ];
}
