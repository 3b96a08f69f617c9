import { escapeIdentifier, escapeLiteral } from 'pg';
import type {
  Alteration,
  AlterTableParams,
  ColumnSpec,
  CreateTableParams,
  DefaultValue,
  DropTableParams,
  ReferentialAction,
  TableRef,
} from '../../shared/schema-params';

/**
 * DDL text for the schema operations. Every name goes through
 * `escapeIdentifier`, every default value through `escapeLiteral`; types arrive
 * already re-emitted by the type grammar (shared/schema-params.ts). The only
 * caller text written verbatim is a `{ sql }` expression, which is the
 * documented escape hatch; it is parenthesised so it stays one expression
 * unless the caller deliberately closes the parenthesis.
 */

/** `"name"` or `"schema"."name"`. */
export function qualifiedName(table: TableRef): string {
  return table.schema === undefined ? escapeIdentifier(table.name) : `${escapeIdentifier(table.schema)}.${escapeIdentifier(table.name)}`;
}

/** The SQL of a default: an expression in parentheses, or a quoted literal the server casts to the column type. */
export function defaultSql(value: DefaultValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'object' && !Array.isArray(value) && isSqlExpression(value)) return `(${value.sql})`;
  // Numbers and booleans are quoted too, so every value takes one path: an
  // untyped literal that the server casts to the column's type.
  if (typeof value === 'string') return escapeLiteral(value);
  if (typeof value === 'number' || typeof value === 'boolean') return escapeLiteral(String(value));
  return escapeLiteral(JSON.stringify(value));
}

function isSqlExpression(value: object): value is { sql: string } {
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === 'sql' && typeof (value as { sql: unknown }).sql === 'string';
}

function columnListSql(columns: readonly string[]): string {
  return `(${columns.map(escapeIdentifier).join(', ')})`;
}

function referencesSql(table: TableRef, columns: readonly string[] | undefined, onDelete?: ReferentialAction, onUpdate?: ReferentialAction): string {
  let sql = `REFERENCES ${qualifiedName(table)}`;
  if (columns && columns.length > 0) sql += ` ${columnListSql(columns)}`;
  if (onDelete) sql += ` ON DELETE ${onDelete}`;
  if (onUpdate) sql += ` ON UPDATE ${onUpdate}`;
  return sql;
}

/** One column definition, as in CREATE TABLE or ADD COLUMN. */
export function columnDefinition(column: ColumnSpec): string {
  const parts = [escapeIdentifier(column.name), column.type];
  if (column.nullable === false) parts.push('NOT NULL');
  if (column.default !== undefined) parts.push(`DEFAULT ${defaultSql(column.default)}`);
  if (column.primaryKey) parts.push('PRIMARY KEY');
  if (column.unique) parts.push('UNIQUE');
  const ref = column.references;
  if (ref) parts.push(referencesSql(ref.table, ref.column === undefined ? undefined : [ref.column], ref.onDelete, ref.onUpdate));
  if (column.check) parts.push(`CHECK (${column.check.sql})`);
  return parts.join(' ');
}

/** CREATE TABLE, then one CREATE INDEX per index; the caller runs them in one transaction. */
export function createTableStatements(p: CreateTableParams): string[] {
  const { schema: spec } = p;
  const table = qualifiedName(p.table);
  const elements = spec.columns.map(columnDefinition);
  if (spec.primaryKey) elements.push(`PRIMARY KEY ${columnListSql(spec.primaryKey)}`);
  for (const group of spec.unique ?? []) {
    if (Array.isArray(group)) elements.push(`UNIQUE ${columnListSql(group)}`);
    else elements.push(`${group.name === undefined ? '' : `CONSTRAINT ${escapeIdentifier(group.name)} `}UNIQUE ${columnListSql(group.columns)}`);
  }
  const create = `CREATE TABLE ${spec.ifNotExists ? 'IF NOT EXISTS ' : ''}${table} (${elements.join(', ')})`;
  const indexes = (spec.indexes ?? []).map((index) => {
    const name = index.name === undefined ? '' : `${escapeIdentifier(index.name)} `;
    const method = index.method === undefined ? '' : `USING ${index.method} `;
    return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${name}ON ${table} ${method}${columnListSql(index.columns)}`;
  });
  return [create, ...indexes];
}

/**
 * The ALTER TABLE statements of `p`, one per alteration, in order. A
 * renameTable changes the name the following statements use.
 */
export function alterTableStatements(p: AlterTableParams): string[] {
  let table = p.table;
  return p.alterations.map((alteration) => {
    const sql = `ALTER TABLE ${qualifiedName(table)} ${alterationSql(alteration)}`;
    if (alteration.action === 'renameTable') table = { ...table, name: alteration.to };
    return sql;
  });
}

function alterationSql(a: Alteration): string {
  switch (a.action) {
    case 'addColumn':
      return `ADD COLUMN ${a.ifNotExists ? 'IF NOT EXISTS ' : ''}${columnDefinition(a.column)}`;
    case 'dropColumn':
      return `DROP COLUMN ${a.ifExists ? 'IF EXISTS ' : ''}${escapeIdentifier(a.column)}${a.cascade ? ' CASCADE' : ''}`;
    case 'renameColumn':
      return `RENAME COLUMN ${escapeIdentifier(a.column)} TO ${escapeIdentifier(a.to)}`;
    case 'alterColumnType':
      return `ALTER COLUMN ${escapeIdentifier(a.column)} TYPE ${a.type}${a.using ? ` USING (${a.using.sql})` : ''}`;
    case 'setDefault':
      return `ALTER COLUMN ${escapeIdentifier(a.column)} SET DEFAULT ${defaultSql(a.default)}`;
    case 'dropDefault':
      return `ALTER COLUMN ${escapeIdentifier(a.column)} DROP DEFAULT`;
    case 'setNotNull':
      return `ALTER COLUMN ${escapeIdentifier(a.column)} SET NOT NULL`;
    case 'dropNotNull':
      return `ALTER COLUMN ${escapeIdentifier(a.column)} DROP NOT NULL`;
    case 'addConstraint':
      return `ADD ${constraintSql(a)}`;
    case 'dropConstraint':
      return `DROP CONSTRAINT ${a.ifExists ? 'IF EXISTS ' : ''}${escapeIdentifier(a.name)}${a.cascade ? ' CASCADE' : ''}`;
    case 'renameTable':
      return `RENAME TO ${escapeIdentifier(a.to)}`;
  }
}

function constraintSql(a: Extract<Alteration, { action: 'addConstraint' }>): string {
  const name = a.name === undefined ? '' : `CONSTRAINT ${escapeIdentifier(a.name)} `;
  switch (a.type) {
    case 'unique':
      return `${name}UNIQUE ${columnListSql(a.columns)}`;
    case 'primaryKey':
      return `${name}PRIMARY KEY ${columnListSql(a.columns)}`;
    case 'check':
      return `${name}CHECK (${a.check.sql})`;
    case 'foreignKey': {
      const ref = a.references;
      return `${name}FOREIGN KEY ${columnListSql(a.columns)} ${referencesSql(ref.table, ref.columns, ref.onDelete, ref.onUpdate)}`;
    }
  }
}

/** DROP TABLE [IF EXISTS] t [CASCADE]. */
export function dropTableStatement(p: DropTableParams): string {
  return `DROP TABLE ${p.ifExists ? 'IF EXISTS ' : ''}${qualifiedName(p.table)}${p.cascade ? ' CASCADE' : ''}`;
}
