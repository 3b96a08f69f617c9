/**
 * A large `execute` frame of `batchInsert`, decoded on a piscina thread
 * straight from its bytes: JSON parse, the same schema checks the event loop
 * would run, grouping by key set, and COPY encoding. The event loop never
 * parses, clones or walks the records; it receives the envelope and the COPY
 * bytes. Pure and self-contained, like row-encoding.
 */
import { isUtf8 } from 'node:buffer';
import { batchInsertParamsSchema, type BatchInsertParams } from '../../shared/batch-params';
import { executeParamsSchema, jsonRpcMessageSchema, Method } from '../../shared/protocol';
import { COPY_CHUNK_ROWS, encodeCopyChunk, groupRecords, type ColumnKind, type RecordProblem } from './row-encoding';

/** One key set's rows, encoded. */
export interface DecodedGroup {
  columns: string[];
  /** How many records the group has, and the batch index of its first (error paths name it). */
  count: number;
  firstRow: number;
  /** COPY text, COPY_CHUNK_ROWS rows a piece (the last may be shorter); empty after a value problem. */
  chunks: Uint8Array[];
  /**
   * Columns where a JS array was met. Arrays were encoded as JSON text, which
   * is right unless the table's column is array-typed: then the frame is
   * decoded again with that column's kind.
   */
  arrayColumns: string[];
}

/** The first value that can't be encoded: its record's index in the batch, its column (and the path inside the value). */
export interface DecodedValueProblem {
  record: number;
  column: string;
  message: string;
}

export interface DecodedBatchFrame {
  id: string | number;
  instanceId: string;
  config?: Record<string, unknown>;
  progressToken?: string | number;
  /** The caller's trace context: the request is served as a traced one (worker/rpc/traced-request). */
  traceparent?: string;
  /** The batch's params, records left out. */
  params: Omit<BatchInsertParams, 'records'>;
  records: number;
  groups: DecodedGroup[];
  /** A record that is not an object of column → value (path from the params, `records[i]`). */
  recordProblem?: RecordProblem;
  /** Set when a value can't be encoded; later groups are then left unencoded. */
  valueProblem?: DecodedValueProblem;
}

const encoder = new TextEncoder();

/**
 * The frame decoded, or null when it is not a well-formed `execute` of
 * `batchInsert` (anything else, or anything wrong, is left to the event loop,
 * which parses it and answers exactly as for a small frame).
 * `arrayColumns`: columns to encode as PostgreSQL arrays.
 */
export function decodeBatchFrame(body: Uint8Array, arrayColumns: readonly string[] = []): DecodedBatchFrame | null {
  if (!isUtf8(body)) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return null;
  }
  const message = jsonRpcMessageSchema.safeParse(value);
  if (!message.success || !('method' in message.data) || message.data.method !== Method.execute || message.data.id === undefined) return null;
  const execute = executeParamsSchema.safeParse(message.data.params);
  if (!execute.success || execute.data.operation !== 'batchInsert') return null;
  const batch = batchInsertParamsSchema.safeParse(execute.data.params ?? {});
  if (!batch.success) return null;

  const { records, ...params } = batch.data;
  const decoded: DecodedBatchFrame = {
    id: message.data.id,
    instanceId: execute.data.instanceId,
    ...(execute.data.config !== undefined ? { config: execute.data.config } : {}),
    ...(execute.data.progressToken !== undefined ? { progressToken: execute.data.progressToken } : {}),
    ...(execute.data.traceparent !== undefined ? { traceparent: execute.data.traceparent } : {}),
    params,
    records: records.length,
    groups: [],
  };
  const grouped = groupRecords(records);
  if (grouped.problem) return { ...decoded, recordProblem: grouped.problem };
  for (const group of grouped.groups) {
    const kinds: ColumnKind[] = group.columns.map((c) => (arrayColumns.includes(c) ? 'array' : 'other'));
    const sawArray = group.columns.map(() => false);
    const chunks: Uint8Array[] = [];
    for (let start = 0; decoded.valueProblem === undefined && start < group.rows.length; start += COPY_CHUNK_ROWS) {
      const rows = group.rows.slice(start, start + COPY_CHUNK_ROWS);
      // The records came from JSON.parse: their JSON documents need no walk (fromJson).
      const encoded = encodeCopyChunk(
        rows.map((r) => records[r]),
        group.columns,
        kinds,
        sawArray,
        true,
      );
      if ('text' in encoded) chunks.push(encoder.encode(encoded.text));
      else decoded.valueProblem = { record: rows[encoded.row]!, column: encoded.column, message: encoded.message };
    }
    decoded.groups.push({
      columns: group.columns,
      count: group.rows.length,
      firstRow: group.rows[0]!,
      chunks: decoded.valueProblem === undefined ? chunks : [],
      arrayColumns: group.columns.filter((_, c) => sawArray[c]),
    });
  }
  return decoded;
}
