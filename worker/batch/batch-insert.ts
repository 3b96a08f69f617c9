import type pg from 'pg';
import type { BatchInsertParams, BatchInsertResult } from '../../shared/batch-params';
import { PluginErrorCode } from '../../shared/error-codes';
import { PluginError } from '../../shared/plugin-error';
import { invalidParams } from '../../shared/validation';
import type { Cancellation } from '../statements/cancellation';
import type { Instance } from '../instance/instance';
import { runExtended, submit } from '../connection/pg-internals';
import { BatchGuard } from './batch-guard';
import { planGroup, type GroupPlan } from './batch-statements';
import { CopyIn } from './copy-in';
import type { DecodedBatchFrame, DecodedValueProblem } from './frame-decoding';
import { decodedSource, recordsSource, type BatchSource, type GroupSource } from './group-sources';
import { COPY_CHUNK_ROWS } from './row-encoding';
import { readTableInfo } from './table-info';

/** Undoes a batch inside the caller's transaction without aborting that transaction. */
const SAVEPOINT = 'postgres_plugin_batch';

export interface BatchOptions {
  /** `$/progress`: rows handed to the server so far, and the batch's total. */
  progress?: ((done: number, total: number) => void) | undefined;
  cancellation?: Cancellation | undefined;
  /** Root of error paths: `params` on the wire, `params` in process. */
  root?: string;
}

/**
 * batchInsert: any number of records, grouped by key set, each group
 * streamed with one `COPY … FROM STDIN` (one statement whatever its size, so
 * no bind-parameter limit applies), all in one transaction, or inside the
 * caller's `transactionId` under a savepoint. `timeout` bounds the whole batch.
 */
export async function batchInsert(instance: Instance, p: BatchInsertParams, options: BatchOptions = {}): Promise<BatchInsertResult> {
  if (p.records.length === 0) return { inserted: 0, updated: 0, skipped: 0 };
  return loadBatch(instance, recordsSource(p, options.root ?? 'params'), options);
}

/** batchInsert of a frame a thread decoded and encoded (see frame-decoding). */
export async function batchInsertDecoded(
  instance: Instance,
  frame: DecodedBatchFrame,
  redecode: (arrayColumns: string[]) => Promise<DecodedBatchFrame>,
  options: BatchOptions = {},
): Promise<BatchInsertResult> {
  if (frame.records === 0) return { inserted: 0, updated: 0, skipped: 0 };
  return loadBatch(instance, decodedSource(frame, options.root ?? 'params', redecode), options);
}

async function loadBatch(instance: Instance, source: BatchSource, options: BatchOptions): Promise<BatchInsertResult> {
  const p = source.params;
  const guard = new BatchGuard(p.timeout, options.cancellation);
  const loader = new BatchLoader(source, options.root ?? 'params', guard, options.progress);
  // A timeout longer than the session's statement_timeout lifts it for this batch's statements.
  const sessionTimeout = instance.config.options.queryTimeout;
  const lift = p.timeout !== undefined && p.timeout > sessionTimeout ? Math.trunc(p.timeout) + 1_000 : undefined;
  try {
    if (p.transactionId === undefined) {
      return await instance.withTransaction(async (client) => {
        if (lift !== undefined) await client.query(`SET LOCAL statement_timeout = ${lift}`);
        return loader.run(client);
      });
    }
    return await instance.transactions.withClient(p.transactionId, async (client) => {
      await client.query(`SAVEPOINT ${SAVEPOINT}`);
      try {
        if (lift !== undefined) await client.query(`SET LOCAL statement_timeout = ${lift}`);
        const result = await loader.run(client);
        if (lift !== undefined) await client.query(`SET LOCAL statement_timeout = ${sessionTimeout}`);
        await client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
        return result;
      } catch (error) {
        // A refused record leaves the caller's transaction as it was; a failed statement
        // aborts it, as any failed statement inside a transaction handle does.
        if ((error as PluginError).code === PluginErrorCode.INVALID_PARAMS) await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`).catch(() => undefined);
        throw error;
      }
    });
  } finally {
    await guard.dispose();
  }
}

/** The statements of one batch on one client. */
class BatchLoader {
  private readonly result: BatchInsertResult = { inserted: 0, updated: 0, skipped: 0 };
  private done = 0;

  constructor(
    private readonly source: BatchSource,
    private readonly root: string,
    private readonly guard: BatchGuard,
    private readonly progress: BatchOptions['progress'],
  ) {}

  async run(client: pg.PoolClient): Promise<BatchInsertResult> {
    this.guard.use(client);
    this.guard.check();
    const { params } = this.source;
    const info = await readTableInfo(client, params.table);
    // Every group is checked against the table before anything is written.
    const plans = this.source.groups.map((group) => planGroup(params, info, group, this.root));
    await this.source.prepare(plans);
    const groups = this.source.groups;
    for (let g = 0; g < plans.length; g++) await this.load(client, groups[g]!, plans[g]!);
    return this.result;
  }

  private async load(client: pg.PoolClient, group: GroupSource, plan: GroupPlan): Promise<void> {
    const chunks = Math.ceil(group.count / COPY_CHUNK_ROWS);
    // The first chunk is encoded while the COPY statement makes its round trip.
    let next: Promise<Buffer | DecodedValueProblem> | undefined = group.chunk(0, plan);
    let k = 0;
    const source = async (): Promise<Buffer | null> => {
      if (k === chunks) return null;
      this.guard.check();
      const encoded = await next!;
      const first = k * COPY_CHUNK_ROWS;
      next = ++k < chunks ? group.chunk(k, plan) : undefined;
      if (!Buffer.isBuffer(encoded)) {
        throw invalidParams([{ path: `${this.root}.records[${encoded.record}].${encoded.column}`, message: encoded.message }]);
      }
      this.done += Math.min(COPY_CHUNK_ROWS, group.count - first);
      this.progress?.(this.done, this.source.records);
      return encoded;
    };
    try {
      if (plan.stage) await this.statement(client, plan.stage.create);
      this.guard.check();
      const copy = new CopyIn(plan.copy, source);
      submit(client, copy);
      const copied = await copy.done.catch((error: unknown) => Promise.reject(this.guard.map(error)));
      if (!plan.stage) {
        this.result.inserted += copied;
        return;
      }
      const moved = await this.statement(client, plan.stage.insert);
      const row = plan.stage.counted ? (moved.rows[0] as { inserted: number; written: number }) : { inserted: moved.rowCount ?? 0, written: moved.rowCount ?? 0 };
      this.result.inserted += row.inserted;
      this.result.updated += row.written - row.inserted;
      this.result.skipped += group.count - row.written;
      await this.statement(client, plan.stage.drop);
    } finally {
      // A chunk still being encoded when the batch stopped: nobody awaits it any more.
      next?.catch(() => undefined);
    }
  }

  private async statement(client: pg.PoolClient, text: string): Promise<pg.QueryResult> {
    this.guard.check();
    try {
      return await runExtended(client, text);
    } catch (error) {
      throw this.guard.map(error);
    }
  }
}
