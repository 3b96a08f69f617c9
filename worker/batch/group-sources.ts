/**
 * Where a batch's COPY bytes come from, one key set (group) at a time:
 * records in memory, encoded chunk by chunk as the COPY asks for them (on a
 * thread for large batches), or a frame a thread already decoded and encoded.
 */
import type { BatchInsertParams } from '../../shared/batch-params';
import { invalidParams } from '../../shared/validation';
import type { GroupPlan } from './batch-statements';
import { encodeChunk, encodesOnThreads } from './encoding-pool';
import type { DecodedBatchFrame, DecodedValueProblem } from './frame-decoding';
import { COPY_CHUNK_ROWS, groupRecords } from './row-encoding';

/** One group's rows as the loader streams them. */
export interface GroupSource {
  columns: string[];
  /** Records in the group, and the batch index of the first (error paths name it). */
  count: number;
  firstRow: number;
  /** Chunk `k` (COPY_CHUNK_ROWS rows) as COPY bytes, or its first value that can't be encoded. */
  chunk(k: number, plan: GroupPlan): Promise<Buffer | DecodedValueProblem>;
}

/** A batch's groups, and the checks that need the table (its column kinds) before anything is written. */
export interface BatchSource {
  /** The batch's params without its records. */
  params: Omit<BatchInsertParams, 'records'>;
  records: number;
  groups: GroupSource[];
  /** Runs after every group is planned, before the first row is sent; may replace `groups`. */
  prepare(plans: readonly GroupPlan[]): Promise<void>;
}

/** Records in memory: the in-process API, and frames small enough to parse on the event loop. */
export function recordsSource(p: BatchInsertParams, root: string): BatchSource {
  const { records, ...params } = p;
  const grouped = groupRecords(records);
  if (grouped.problem) throw invalidParams([{ path: `${root}.${grouped.problem.path}`, message: grouped.problem.message }]);
  const onThread = encodesOnThreads(records.length);
  return {
    params,
    records: records.length,
    groups: grouped.groups.map((group) => ({
      columns: group.columns,
      count: group.rows.length,
      firstRow: group.rows[0]!,
      async chunk(k, plan) {
        const rows = group.rows.slice(k * COPY_CHUNK_ROWS, (k + 1) * COPY_CHUNK_ROWS);
        const encoded = await encodeChunk({ records: rows.map((r) => records[r]), columns: plan.columns, kinds: plan.kinds }, onThread);
        return Buffer.isBuffer(encoded) ? encoded : { record: rows[encoded.row]!, column: encoded.column, message: encoded.message };
      },
    })),
    prepare: async () => undefined,
  };
}

/**
 * A frame decoded on a thread. Its arrays were encoded as JSON text; when
 * one went into an array-typed column, `redecode` encodes the frame again
 * with those columns as PostgreSQL arrays. A value that can't be encoded is
 * refused before anything is written.
 */
export function decodedSource(frame: DecodedBatchFrame, root: string, redecode: (arrayColumns: string[]) => Promise<DecodedBatchFrame>): BatchSource {
  if (frame.recordProblem) throw invalidParams([{ path: `${root}.${frame.recordProblem.path}`, message: frame.recordProblem.message }]);
  const source: BatchSource = {
    params: frame.params,
    records: frame.records,
    groups: groupsOf(frame),
    async prepare(plans) {
      const arrayColumns = new Set<string>();
      frame.groups.forEach((group, g) => {
        for (const column of group.arrayColumns) if (plans[g]!.kinds[plans[g]!.columns.indexOf(column)] === 'array') arrayColumns.add(column);
      });
      let current = frame;
      if (arrayColumns.size > 0 && current.valueProblem === undefined) {
        current = await redecode([...arrayColumns]);
        source.groups = groupsOf(current);
      }
      const problem = current.valueProblem;
      if (problem) throw invalidParams([{ path: `${root}.records[${problem.record}].${problem.column}`, message: problem.message }]);
    },
  };
  return source;
}

function groupsOf(frame: DecodedBatchFrame): GroupSource[] {
  return frame.groups.map((group) => ({
    columns: group.columns,
    count: group.count,
    firstRow: group.firstRow,
    chunk: async (k) => {
      const bytes = group.chunks[k]!;
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  }));
}
