import type pg from 'pg';
import { escapeIdentifier } from 'pg';
import type { BatchInsertParams, BatchInsertResult } from '../../shared/batch-params';
import { invalidParams } from '../../shared/validation';
import type { PostgresPlugin } from '../postgres-plugin';
import { qualifiedName } from '../schema/ddl-builder';
import { encodeChunkOffLoop } from './encoding-pool';
import { groupRecords, type EncodedChunk, type RecordGroup } from './row-encoding';

/** Rows per INSERT: progress is reported after each, so at least every 10,000 rows. */
const CHUNK_ROWS = 10_000;

interface TableInfo {
  types: Map<string, { type: string; isArray: boolean }>;
  primaryKey: string[];
}

/** Column types and primary key of a table: one catalog query. */
const TABLE_INFO_SQL = `
  SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, t.typcategory = 'A' AS is_array,
         coalesce(a.attnum = ANY (pk.indkey), false) AS in_pk, array_position(pk.indkey::int2[], a.attnum) AS pk_pos
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_catalog.pg_index pk ON pk.indrelid = a.attrelid AND pk.indisprimary
   WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped`;

/**
 * batchInsert: any number of records in chunks of `unnest` INSERTs, all in one
 * transaction (or in the caller's `transactionId`). Counts: the row count
 * (rows ON CONFLICT DO NOTHING skipped are not counted), and for upserts
 * `RETURNING (xmax = 0)`: inserted rows have no xmax, updated ones do.
 */
export async function batchInsert(
  plugin: PostgresPlugin,
  p: BatchInsertParams,
  progress?: (done: number, total: number) => void,
): Promise<BatchInsertResult> {
  const total = p.records.length;
  const result: BatchInsertResult = { inserted: 0, updated: 0, skipped: 0 };
  if (total === 0) return result;
  const grouped = groupRecords(p.records);
  if (grouped.problem) throw invalidParams([grouped.problem]);
  const chunks = grouped.groups.flatMap((group) => {
    const out: { group: RecordGroup; indexes: number[] }[] = [];
    for (let start = 0; start < group.rows.length; start += CHUNK_ROWS) out.push({ group, indexes: group.rows.slice(start, start + CHUNK_ROWS) });
    return out;
  });
  const encode = (i: number): Promise<EncodedChunk> => {
    const { group, indexes } = chunks[i]!;
    return encodeChunkOffLoop(indexes.map((r) => p.records[r]), indexes, group.columns, total);
  };
  const upsert = p.conflictStrategy === 'update';
  const work = async (query: (sql: string, params: unknown[]) => Promise<pg.QueryResult>): Promise<BatchInsertResult> => {
    const info = await tableInfo(query, qualifiedName(p.table));
    const statements = new Map(grouped.groups.map((g) => [g, insertSql(p, g.columns, info)]));
    let done = 0;
    // Pipelined: the next chunk is encoded (on a thread for big batches) while this one is inserted.
    let next = encode(0);
    for (let i = 0; i < chunks.length; i++) {
      const encoded = await next;
      if (i + 1 < chunks.length) next = encode(i + 1);
      if ('problem' in encoded) {
        await next.catch(() => undefined);
        throw invalidParams([encoded.problem]);
      }
      const chunk = chunks[i]!;
      const answer = await query(statements.get(chunk.group)!, encoded.arrays);
      // Without upsert the row count says it all; with it, the CTE tells inserted from updated.
      const row = upsert ? (answer.rows[0] as { inserted: number; written: number }) : { inserted: answer.rowCount ?? 0, written: answer.rowCount ?? 0 };
      result.inserted += row.inserted;
      result.updated += row.written - row.inserted;
      result.skipped += chunk.indexes.length - row.written;
      done += chunk.indexes.length;
      progress?.(done, total);
    }
    return result;
  };
  if (p.transactionId !== undefined) {
    const transactionId = p.transactionId;
    const inHandle = (sql: string, params?: unknown[]) =>
      plugin.runStatement({ sql, ...(params ? { params } : {}), transactionId, ...(p.timeout ? { timeout: p.timeout } : {}) }) as Promise<pg.QueryResult>;
    // A savepoint keeps the caller's transaction clean if the batch stops half-way on a bad record.
    await inHandle('SAVEPOINT postgres_plugin_batch');
    try {
      const done = await work(inHandle);
      await inHandle('RELEASE SAVEPOINT postgres_plugin_batch');
      return done;
    } catch (error) {
      if ((error as { code?: string }).code === 'POSTGRES_INVALID_PARAMS') await inHandle('ROLLBACK TO SAVEPOINT postgres_plugin_batch').catch(() => undefined);
      throw error;
    }
  }
  return plugin.withTransaction((client) => work((sql, params) => client.query({ text: sql, values: params, queryMode: 'extended' } as pg.QueryConfig)));
}

async function tableInfo(query: (sql: string, params: unknown[]) => Promise<pg.QueryResult>, table: string): Promise<TableInfo> {
  const rows = (await query(TABLE_INFO_SQL, [table])).rows as { name: string; type: string; is_array: boolean; in_pk: boolean; pk_pos: number | null }[];
  const types = new Map(rows.map((r) => [r.name, { type: r.type, isArray: r.is_array }]));
  const primaryKey = rows.filter((r) => r.in_pk).sort((a, b) => (a.pk_pos ?? 0) - (b.pk_pos ?? 0)).map((r) => r.name);
  return { types, primaryKey };
}

function insertSql(p: BatchInsertParams, groupColumns: string[], info: TableInfo): string {
  const casts = groupColumns.map((column, i) => {
    const known = info.types.get(column);
    if (!known) throw invalidParams([{ path: 'params.params.records', message: `column '${column}' does not exist in the table` }]);
    // unnest flattens multi-dimensional arrays, so array-typed columns can't be loaded this way.
    if (known.isArray) throw invalidParams([{ path: 'params.params.records', message: `column '${column}' is an array type, which batchInsert does not support; use insert` }]);
    return `$${i + 1}::${known.type}[]`;
  });
  const columns = groupColumns.map(escapeIdentifier).join(', ');
  let sql = `INSERT INTO ${qualifiedName(p.table)} (${columns}) SELECT * FROM unnest(${casts.join(', ')})`;
  const strategy = p.conflictStrategy ?? 'error';
  if (strategy === 'ignore') {
    sql += p.conflictTarget ? ` ON CONFLICT (${p.conflictTarget.map(escapeIdentifier).join(', ')}) DO NOTHING` : ' ON CONFLICT DO NOTHING';
  } else if (strategy === 'update') {
    const target = p.conflictTarget ?? info.primaryKey;
    if (target.length === 0) {
      throw invalidParams([{ path: 'params.params.conflictTarget', message: 'required: the table has no primary key to upsert on' }]);
    }
    const updates = (p.updateColumns ?? groupColumns.filter((c) => !target.includes(c))).map(
      (c) => `${escapeIdentifier(c)} = EXCLUDED.${escapeIdentifier(c)}`,
    );
    const onConflict = ` ON CONFLICT (${target.map(escapeIdentifier).join(', ')})`;
    sql += updates.length > 0 ? `${onConflict} DO UPDATE SET ${updates.join(', ')}` : `${onConflict} DO NOTHING`;
  }
  if (strategy !== 'update') return sql;
  return `WITH ins AS (${sql} RETURNING (xmax = 0) AS inserted) SELECT (count(*) FILTER (WHERE inserted))::int AS inserted, count(*)::int AS written FROM ins`;
}

