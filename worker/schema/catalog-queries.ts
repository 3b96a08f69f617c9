import type { ReferentialAction, TableDescription } from '../../shared/schema-params';

/**
 * The catalog reads behind listTables and describeTable. Each is a single
 * statement so each operation costs one round trip however many tables,
 * columns or constraints there are: describeTable gathers every part with
 * json_agg subselects instead of asking once per part.
 */

/**
 * Table names of one schema (`$1`), or of every non-system schema as
 * `schema.table` when `$1` is `'*'`. Ordinary and partitioned tables; byte
 * order ("C" collation) so the order does not depend on the server's locale.
 */
export const LIST_TABLES_SQL = `
SELECT CASE WHEN $1::text = '*' THEN n.nspname || '.' || c.relname ELSE c.relname::text END AS name
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND CASE WHEN $1::text = '*'
        THEN n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
        ELSE n.nspname = $1::text END
ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C"`;

/** A JSON array of the names of `rel`'s attributes numbered in `keys`, in key order. */
function attributeNames(rel: string, keys: string): string {
  return `(SELECT coalesce(json_agg(ka.attname ORDER BY kk.ord), '[]')
     FROM unnest(${keys}) WITH ORDINALITY kk(attnum, ord)
     JOIN pg_catalog.pg_attribute ka ON ka.attrelid = ${rel} AND ka.attnum = kk.attnum)`;
}

/** Constraints of the described table of one kind, as a JSON array of `fields`, by name. */
function constraints(contype: string, fields: string, joins = ''): string {
  return `(SELECT coalesce(json_agg(json_build_object(${fields}) ORDER BY con.conname COLLATE "C"), '[]')
     FROM pg_catalog.pg_constraint con ${joins}
     WHERE con.conrelid = t.oid AND con.contype = '${contype}')`;
}

/**
 * One row describing the table named by `$1` (a quoted, possibly
 * schema-qualified name, resolved through the search_path like any SQL), or
 * no row when there is no such table.
 */
export const DESCRIBE_TABLE_SQL = `
WITH t AS (
  SELECT c.oid, n.nspname, c.relname,
         (SELECT pk.conkey FROM pg_catalog.pg_constraint pk WHERE pk.conrelid = c.oid AND pk.contype = 'p') AS pkey
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.oid = pg_catalog.to_regclass($1::text) AND c.relkind IN ('r', 'p')
)
SELECT t.nspname AS schema, t.relname AS name,
  (SELECT coalesce(json_agg(json_build_object(
       'name', a.attname,
       'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
       'nullable', NOT a.attnotnull,
       'default', CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid, true) END,
       'primaryKey', coalesce(a.attnum = ANY (t.pkey), false),
       'ordinal', a.attnum) ORDER BY a.attnum), '[]')
     FROM pg_catalog.pg_attribute a
     LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
  ${attributeNames('t.oid', 't.pkey')} AS primary_key,
  (SELECT coalesce(json_agg(json_build_object(
       'name', ic.relname,
       -- Key columns only (not INCLUDE ones); an expression key is shown as its text.
       'columns', (SELECT json_agg(CASE WHEN i.indkey[k - 1] = 0
                                        THEN pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
                                        ELSE (SELECT ia.attname::text FROM pg_catalog.pg_attribute ia
                                              WHERE ia.attrelid = i.indrelid AND ia.attnum = i.indkey[k - 1]) END
                                   ORDER BY k)
                   FROM generate_series(1, i.indnkeyatts) k),
       'unique', i.indisunique,
       'method', am.amname) ORDER BY ic.relname COLLATE "C"), '[]')
     FROM pg_catalog.pg_index i
     JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
     JOIN pg_catalog.pg_am am ON am.oid = ic.relam
     WHERE i.indrelid = t.oid) AS indexes,
  ${constraints(
    'f',
    `'name', con.conname,
     'columns', ${attributeNames('con.conrelid', 'con.conkey')},
     'referencedTable', CASE WHEN rn.nspname = t.nspname THEN rc.relname::text ELSE rn.nspname || '.' || rc.relname END,
     'referencedColumns', ${attributeNames('con.confrelid', 'con.confkey')},
     'onDelete', con.confdeltype, 'onUpdate', con.confupdtype`,
    `JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
     JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace`,
  )} AS foreign_keys,
  ${constraints('u', `'name', con.conname, 'columns', ${attributeNames('con.conrelid', 'con.conkey')}`)} AS unique_constraints,
  ${constraints('c', `'name', con.conname, 'expression', pg_catalog.pg_get_expr(con.conbin, con.conrelid, true)`)} AS check_constraints
FROM t`;

/** The row DESCRIBE_TABLE_SQL returns (json columns arrive parsed). */
export interface DescribeTableRow {
  schema: string;
  name: string;
  columns: TableDescription['columns'];
  primary_key: string[];
  indexes: TableDescription['indexes'];
  foreign_keys: (Omit<TableDescription['foreignKeys'][number], 'onDelete' | 'onUpdate'> & { onDelete: string; onUpdate: string })[];
  unique_constraints: TableDescription['uniqueConstraints'];
  check_constraints: TableDescription['checkConstraints'];
}

/** pg_constraint's one-letter confdeltype/confupdtype codes. */
const ACTION_CODES: Record<string, ReferentialAction> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

/** The describeTable result from its catalog row. */
export function toTableDescription(row: DescribeTableRow): TableDescription {
  return {
    schema: row.schema,
    name: row.name,
    columns: row.columns,
    primaryKey: row.primary_key,
    indexes: row.indexes,
    foreignKeys: row.foreign_keys.map((fk) => ({
      ...fk,
      onDelete: ACTION_CODES[fk.onDelete] ?? 'NO ACTION',
      onUpdate: ACTION_CODES[fk.onUpdate] ?? 'NO ACTION',
    })),
    uniqueConstraints: row.unique_constraints,
    checkConstraints: row.check_constraints,
  };
}
