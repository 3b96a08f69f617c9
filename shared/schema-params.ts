import { z } from 'zod';
import { sqlTextSchema } from './sql-text';
import { identifierProblem, parseTypeName } from './type-syntax';

/**
 * Params of the schema operations (docs/plugin-api.md): createTable, alterTable,
 * dropTable, listTables, describeTable, and the shape describeTable answers
 * with. Declarations only; the DDL is built in `worker/schema/`.
 *
 * Names are never pattern-checked: the worker always quotes them, so any
 * non-empty string PostgreSQL can store is a valid name. Types are the one
 * piece of DDL text a caller writes that is not quoted, so they are parsed
 * against PostgreSQL's type grammar and re-emitted from their tokens.
 */


/** A table, column, constraint, index or schema name: any string of 1 to 63 bytes, always quoted. */
export const identifierSchema = z.string().superRefine((name, ctx) => {
  const problem = identifierProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A table, optionally schema-qualified: what `'schema.table'` or `'table'` names. */
export interface TableRef {
  schema?: string;
  name: string;
}

/** `'table'` or `'schema.table'`, split on its one dot. */
export const tableRefSchema = z.string().transform((value, ctx): TableRef => {
  const parts = value.split('.');
  if (parts.length > 2 || parts.some((part) => part === '')) {
    ctx.addIssue({ code: 'custom', message: "must be 'table' or 'schema.table' (at most one dot, no empty part)" });
    return z.NEVER;
  }
  for (const part of parts) {
    const problem = identifierProblem(part);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `'${part}' ${problem}` });
      return z.NEVER;
    }
  }
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { name: parts[0]! };
});

/**
 * Raw SQL, sent as written: `{ sql: "now()" }`. The only place in these
 * operations where caller text reaches the server unquoted.
 */
export const sqlExpressionSchema = z.object({ sql: sqlTextSchema('expression').pipe(z.string().max(10_000)) }).strict();
export type SqlExpression = z.output<typeof sqlExpressionSchema>;

/**
 * A column default: `{ sql }` is an expression; anything else is a value sent
 * as a quoted literal (objects and arrays as JSON text, `null` as NULL).
 */
export const defaultValueSchema = z.union([sqlExpressionSchema, z.json()]).superRefine((value, ctx) => {
  if (typeof value === 'string' && value.includes('\0')) ctx.addIssue({ code: 'custom', message: 'must not contain NUL characters' });
});
export type DefaultValue = z.output<typeof defaultValueSchema>;

/** The five referential actions, in their SQL spelling. */
export const REFERENTIAL_ACTIONS = ['NO ACTION', 'RESTRICT', 'CASCADE', 'SET NULL', 'SET DEFAULT'] as const;
export type ReferentialAction = (typeof REFERENTIAL_ACTIONS)[number];

/** `CASCADE`, `cascade`, `SET_NULL`, `set null` … → the SQL spelling. */
const referentialAction = z.string().transform((value, ctx): ReferentialAction => {
  const key = value.trim().toUpperCase().replace(/[_\s]+/g, ' ');
  const found = REFERENTIAL_ACTIONS.find((action) => action === key);
  if (found) return found;
  ctx.addIssue({ code: 'custom', message: `must be one of ${REFERENTIAL_ACTIONS.join(', ')} (underscores or spaces)` });
  return z.NEVER;
});

/** A PostgreSQL type name, validated by its grammar and normalised (see {@link parseTypeName}). */
export const typeNameSchema = z
  .string()
  .max(200)
  .transform((value, ctx) => {
    const parsed = parseTypeName(value);
    if (parsed.ok) return parsed.sql;
    ctx.addIssue({ code: 'custom', message: `is not a PostgreSQL type: ${parsed.message}` });
    return z.NEVER;
  });

const referenceActions = { onDelete: referentialAction.optional(), onUpdate: referentialAction.optional() };
const columnList = z.array(identifierSchema).min(1, 'must list at least one column').max(32);

/** One column of createTable or addColumn. */
export const columnSpecSchema = z
  .object({
    name: identifierSchema,
    type: typeNameSchema,
    nullable: z.boolean().optional(),
    default: defaultValueSchema.optional(),
    primaryKey: z.boolean().optional(),
    unique: z.boolean().optional(),
    references: z.object({ table: tableRefSchema, column: identifierSchema.optional(), ...referenceActions }).strict().optional(),
    check: sqlExpressionSchema.optional(),
  })
  .strict()
  .superRefine((column, ctx) => {
    if (column.primaryKey && column.nullable === true) {
      ctx.addIssue({ code: 'custom', path: ['nullable'], message: 'a primary key column cannot be nullable' });
    }
  });
export type ColumnSpec = z.output<typeof columnSpecSchema>;

const tableSpecSchema = z
  .object({
    columns: z.array(columnSpecSchema).min(1, 'must list at least one column').max(1600),
    primaryKey: columnList.optional(),
    unique: z.array(z.union([columnList, z.object({ columns: columnList, name: identifierSchema.optional() }).strict()])).optional(),
    indexes: z
      .array(
        z
          .object({
            columns: columnList,
            unique: z.boolean().optional(),
            name: identifierSchema.optional(),
            method: z.enum(['btree', 'hash', 'gist', 'spgist', 'gin', 'brin']).optional(),
          })
          .strict(),
      )
      .optional(),
    ifNotExists: z.boolean().optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    // Catch what PostgreSQL would refuse anyway, but with the path of the field at fault.
    const names = new Set<string>();
    spec.columns.forEach((column, i) => {
      if (names.has(column.name)) ctx.addIssue({ code: 'custom', path: ['columns', i, 'name'], message: `duplicate column '${column.name}'` });
      names.add(column.name);
    });
    const keyed = spec.columns.flatMap((column, i) => (column.primaryKey ? [i] : []));
    for (const i of spec.primaryKey ? keyed : keyed.slice(1)) {
      ctx.addIssue({ code: 'custom', path: ['columns', i, 'primaryKey'], message: 'only one primary key: use schema.primaryKey for a composite key, and not with a column primaryKey' });
    }
    const known = (path: (string | number)[], columns: readonly string[]) =>
      columns.forEach((name, j) => {
        if (!names.has(name)) ctx.addIssue({ code: 'custom', path: [...path, j], message: `'${name}' is not a column of this table` });
      });
    if (spec.primaryKey) known(['primaryKey'], spec.primaryKey);
    spec.unique?.forEach((group, i) => (Array.isArray(group) ? known(['unique', i], group) : known(['unique', i, 'columns'], group.columns)));
    spec.indexes?.forEach((index, i) => known(['indexes', i, 'columns'], index.columns));
  });
export type TableSpec = z.output<typeof tableSpecSchema>;
/** A table spec as callers write it (type names and table references still text). */
export type TableSpecInput = z.input<typeof tableSpecSchema>;

export const createTableParamsSchema = z.object({ table: tableRefSchema, schema: tableSpecSchema }).strict();
export type CreateTableParams = z.output<typeof createTableParamsSchema>;

const constraintName = { name: identifierSchema.optional() };
const addConstraintSchema = z.discriminatedUnion('type', [
  z.object({ action: z.literal('addConstraint'), type: z.literal('unique'), columns: columnList, ...constraintName }).strict(),
  z.object({ action: z.literal('addConstraint'), type: z.literal('primaryKey'), columns: columnList, ...constraintName }).strict(),
  z.object({ action: z.literal('addConstraint'), type: z.literal('check'), check: sqlExpressionSchema, ...constraintName }).strict(),
  z
    .object({
      action: z.literal('addConstraint'),
      type: z.literal('foreignKey'),
      columns: columnList,
      references: z.object({ table: tableRefSchema, columns: columnList.optional(), ...referenceActions }).strict(),
      ...constraintName,
    })
    .strict(),
]);

const column = { column: identifierSchema };
/** One alteration; alterTable applies them in order, all or none. */
export const alterationSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('addColumn'), column: columnSpecSchema, ifNotExists: z.boolean().optional() }).strict(),
  z.object({ action: z.literal('dropColumn'), ...column, ifExists: z.boolean().optional(), cascade: z.boolean().optional() }).strict(),
  z.object({ action: z.literal('renameColumn'), ...column, to: identifierSchema }).strict(),
  z.object({ action: z.literal('alterColumnType'), ...column, type: typeNameSchema, using: sqlExpressionSchema.optional() }).strict(),
  z.object({ action: z.literal('setDefault'), ...column, default: defaultValueSchema }).strict(),
  z.object({ action: z.literal('dropDefault'), ...column }).strict(),
  z.object({ action: z.literal('setNotNull'), ...column }).strict(),
  z.object({ action: z.literal('dropNotNull'), ...column }).strict(),
  addConstraintSchema,
  z.object({ action: z.literal('dropConstraint'), name: identifierSchema, ifExists: z.boolean().optional(), cascade: z.boolean().optional() }).strict(),
  z.object({ action: z.literal('renameTable'), to: identifierSchema }).strict(),
]);
export type Alteration = z.output<typeof alterationSchema>;
/** An alteration as callers write it. */
export type AlterationInput = z.input<typeof alterationSchema>;

export const alterTableParamsSchema = z
  .object({ table: tableRefSchema, alterations: z.array(alterationSchema).min(1, 'must list at least one alteration').max(1000) })
  .strict();
export type AlterTableParams = z.output<typeof alterTableParamsSchema>;

export const dropTableParamsSchema = z.object({ table: tableRefSchema, ifExists: z.boolean().optional(), cascade: z.boolean().optional() }).strict();
export type DropTableParams = z.output<typeof dropTableParamsSchema>;

/** `schema` defaults to `public`; `'*'` lists every non-system schema as `schema.table`. */
export const listTablesParamsSchema = z.object({ schema: identifierSchema.optional() }).strict();
export type ListTablesParams = z.output<typeof listTablesParamsSchema>;

export const describeTableParamsSchema = z.object({ table: tableRefSchema }).strict();
export type DescribeTableParams = z.output<typeof describeTableParamsSchema>;

/** What describeTable answers: the table as the catalog has it. */
export interface TableDescription {
  schema: string;
  name: string;
  /** `type` as `format_type` writes it; `default` as `pg_get_expr` writes it; `ordinal` is the attnum. */
  columns: { name: string; type: string; nullable: boolean; default: string | null; primaryKey: boolean; ordinal: number }[];
  primaryKey: string[];
  /** Every index, including those behind primary key and unique constraints. */
  indexes: { name: string; columns: string[]; unique: boolean; method: string }[];
  /** `referencedTable` is bare in the table's own schema, else `schema.table`. */
  foreignKeys: { name: string; columns: string[]; referencedTable: string; referencedColumns: string[]; onDelete: ReferentialAction; onUpdate: ReferentialAction }[];
  uniqueConstraints: { name: string; columns: string[] }[];
  checkConstraints: { name: string; expression: string }[];
}
