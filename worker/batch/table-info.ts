import type pg from 'pg';
import type { TableRef } from '../../shared/schema-params';
import { runExtended } from '../connection/pg-internals';
import { qualifiedName } from '../schema/ddl-builder';
import type { ColumnKind } from './row-encoding';

/** What batchInsert needs to know of its table, read in one catalog query. */
export interface TableInfo {
  /** Column name → how it takes a JS array (generated columns are left out: nothing can be written to them). */
  columns: Map<string, ColumnKind>;
  primaryKey: string[];
  /**
   * COPY straight into the table is possible: an ordinary or partitioned
   * table without row-level security (COPY FROM refuses RLS; views need INSERT).
   */
  copyable: boolean;
}

/**
 * `$1` is the quoted, possibly schema-qualified name, resolved through the
 * search_path like any SQL; a missing table fails with the server's own 42P01.
 * A domain counts as its base type.
 */
const TABLE_INFO_SQL = `
SELECT c.relkind IN ('r', 'p') AND NOT c.relrowsecurity AS copyable,
  (SELECT coalesce(json_agg(json_build_object('name', a.attname, 'array', coalesce(b.typcategory, t.typcategory) = 'A') ORDER BY a.attnum), '[]')
     FROM pg_catalog.pg_attribute a
     JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
     LEFT JOIN pg_catalog.pg_type b ON b.oid = t.typbasetype AND t.typtype = 'd'
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns,
  (SELECT coalesce(json_agg(a.attname ORDER BY k.ord), '[]')
     FROM pg_catalog.pg_index i
     CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
     JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = c.oid AND i.indisprimary) AS primary_key
FROM pg_catalog.pg_class c
WHERE c.oid = $1::text::regclass`;

/** Reads the table's columns, primary key and loadability on `client` (inside the batch's transaction). */
export async function readTableInfo(client: pg.PoolClient, table: TableRef): Promise<TableInfo> {
  const row = (await runExtended<{ copyable: boolean; columns: { name: string; array: boolean }[]; primary_key: string[] }>(client, TABLE_INFO_SQL, [qualifiedName(table)])).rows[0]!;
  return {
    columns: new Map(row.columns.map((c) => [c.name, c.array ? 'array' : 'other'])),
    primaryKey: row.primary_key,
    copyable: row.copyable,
  };
}
