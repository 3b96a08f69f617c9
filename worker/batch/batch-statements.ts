import { escapeIdentifier } from 'pg';
import type { BatchInsertParams } from '../../shared/batch-params';
import { invalidParams, type ValidationIssue } from '../../shared/validation';
import { qualifiedName } from '../schema/ddl-builder';
import type { ColumnKind } from './row-encoding';
import type { TableInfo } from './table-info';

/**
 * The SQL of one group of records (one key set) of a batchInsert. Without a
 * conflict clause the rows are COPYed straight into the table. With one (or
 * when the table can't take COPY: views, row-level security) they are COPYed
 * into a session temp table and moved with one INSERT … SELECT … ON CONFLICT,
 * whose RETURNING (xmax = 0) tells inserted rows from updated ones.
 */
export interface GroupPlan {
  columns: string[];
  kinds: ColumnKind[];
  /** `COPY … FROM STDIN` into the table or into the stage. */
  copy: string;
  stage?: {
    create: string;
    /** Answers one row `{ inserted, written }` when `counted`, else a plain row count. */
    insert: string;
    counted: boolean;
    drop: string;
  };
}

/** The stage lives in the session's own temp schema, so no other session or table can be hit. */
const STAGE = 'pg_temp.postgres_plugin_batch_stage';

const list = (names: readonly string[]): string => names.map(escapeIdentifier).join(', ');

/**
 * Checks the group's columns and the conflict options against the table
 * (POSTGRES_INVALID_PARAMS naming the field under `root`), then builds its SQL.
 */
export function planGroup(p: Omit<BatchInsertParams, 'records'>, info: TableInfo, group: { columns: string[]; firstRow: number }, root: string): GroupPlan {
  const issues: ValidationIssue[] = [];
  const known = (name: string, path: string) => {
    if (!info.columns.has(name)) issues.push({ path, message: `'${name}' is not a column of the table that can be written` });
  };
  for (const column of group.columns) known(column, `${root}.records[${group.firstRow}].${column}`);
  p.conflictTarget?.forEach((name, i) => known(name, `${root}.conflictTarget[${i}]`));
  p.updateColumns?.forEach((name, i) => known(name, `${root}.updateColumns[${i}]`));
  const strategy = p.conflictStrategy ?? 'error';
  const target = p.conflictTarget ?? (strategy === 'update' ? info.primaryKey : undefined);
  if (strategy === 'update' && target?.length === 0) issues.push({ path: `${root}.conflictTarget`, message: 'required: the table has no primary key to upsert on' });
  if (issues.length > 0) throw invalidParams(issues);

  const table = qualifiedName(p.table);
  const columns = group.columns;
  const kinds = columns.map((c) => info.columns.get(c)!);
  if (strategy === 'error' && info.copyable) return { columns, kinds, copy: `COPY ${table} (${list(columns)}) FROM STDIN` };

  let conflict = '';
  if (strategy === 'ignore') conflict = target ? ` ON CONFLICT (${list(target)}) DO NOTHING` : ' ON CONFLICT DO NOTHING';
  if (strategy === 'update') {
    // A column a record leaves out keeps its stored value: only the group's own columns are updated.
    const updates = (p.updateColumns ?? columns).filter((c) => columns.includes(c) && !target!.includes(c));
    const set = updates.map((c) => `${escapeIdentifier(c)} = EXCLUDED.${escapeIdentifier(c)}`).join(', ');
    conflict = ` ON CONFLICT (${list(target!)}) ${set ? `DO UPDATE SET ${set}` : 'DO NOTHING'}`;
  }
  const insert = `INSERT INTO ${table} (${list(columns)}) SELECT ${list(columns)} FROM ${STAGE}${conflict}`;
  const counted = strategy === 'update';
  return {
    columns,
    kinds,
    copy: `COPY ${STAGE} (${list(columns)}) FROM STDIN`,
    stage: {
      // Typed like the table's columns, without its constraints: those are checked by the INSERT.
      create: `CREATE TEMP TABLE ${STAGE} AS SELECT ${list(columns)} FROM ${table} WITH NO DATA`,
      insert: counted
        ? `WITH ins AS (${insert} RETURNING (xmax = 0) AS inserted) SELECT (count(*) FILTER (WHERE inserted))::int AS inserted, count(*)::int AS written FROM ins`
        : insert,
      counted,
      drop: `DROP TABLE ${STAGE}`,
    },
  };
}
