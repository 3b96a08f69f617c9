import type pg from 'pg';
import { PluginErrorCode } from '../../shared/error-codes';
import { PluginError } from '../../shared/plugin-error';
import type {
  AlterTableParams,
  CreateTableParams,
  DescribeTableParams,
  DropTableParams,
  ListTablesParams,
  TableDescription,
  TableRef,
} from '../../shared/schema-params';
import type { Instance } from '../instance/instance';
import { runExtended } from '../connection/pg-internals';
import { DESCRIBE_TABLE_SQL, LIST_TABLES_SQL, toTableDescription, type DescribeTableRow } from './catalog-queries';
import { alterTableStatements, createTableStatements, dropTableStatement, qualifiedName } from './ddl-builder';
import { SchemaErrors } from './schema-errors';

/**
 * The schema operations on validated params. Both the worker's operation
 * table and the in-process `PostgresPlugin` methods call these, so the two
 * paths behave the same.
 */

/** What the schema operations need of a plugin instance: one client, or one client in a transaction. */
export type SchemaConnection = Pick<Instance, 'withClient' | 'withTransaction'>;

/** Tables listed when listTables is given no schema. */
const DEFAULT_SCHEMA = 'public';

/**
 * Sends one statement on the extended protocol, which refuses a second
 * statement stacked after the first: a `{ sql }` expression cannot smuggle one in.
 */
const run = runExtended;

/** Creates the table and its indexes in one transaction: all of them appear, or none. */
export async function createTable(db: SchemaConnection, p: CreateTableParams): Promise<null> {
  const [create, ...indexes] = createTableStatements(p);
  await db.withTransaction(async (client) => {
    // With ifNotExists an existing table is left exactly as it is: no indexes are added to it.
    if (p.schema.ifNotExists && (await exists(client, p.table))) return;
    await run(client, create!);
    for (const sql of indexes) await run(client, sql);
  });
  return null;
}

async function exists(client: pg.PoolClient, table: TableRef): Promise<boolean> {
  const result = await run<{ found: boolean }>(client, 'SELECT pg_catalog.to_regclass($1::text) IS NOT NULL AS found', [qualifiedName(table)]);
  return result.rows[0]?.found === true;
}

/**
 * Applies the alterations in order in one transaction. When one fails the
 * whole list is rolled back and the error names the failing alteration.
 */
export async function alterTable(db: SchemaConnection, p: AlterTableParams): Promise<null> {
  const statements = alterTableStatements(p);
  let current = -1;
  try {
    await db.withTransaction(async (client) => {
      for (current = 0; current < statements.length; current++) await run(client, statements[current]!);
    });
  } catch (error) {
    // Only a statement's own SQL error is pinned on it; a lost connection or a
    // failed COMMIT keeps its own meaning (outcome unknown, or deferred check).
    const failed = p.alterations[current];
    if (failed && error instanceof PluginError && error.code === PluginErrorCode.QUERY_FAILED) {
      throw SchemaErrors.alterationFailed(current, failed.action, error);
    }
    throw error;
  }
  return null;
}

export async function dropTable(db: SchemaConnection, p: DropTableParams): Promise<null> {
  await db.withClient((client) => run(client, dropTableStatement(p)));
  return null;
}

/** Table names of one schema (default `public`), or `schema.table` of every non-system schema for `'*'`. One query. */
export async function listTables(db: SchemaConnection, p: ListTablesParams): Promise<string[]> {
  const result = await db.withClient((client) => run<{ name: string }>(client, LIST_TABLES_SQL, [p.schema ?? DEFAULT_SCHEMA]));
  return result.rows.map((row) => row.name);
}

/** The table as the catalog has it, in one query; a missing table is a 42P01 `POSTGRES_QUERY_FAILED`. */
export async function describeTable(db: SchemaConnection, p: DescribeTableParams): Promise<TableDescription> {
  const result = await db.withClient((client) => run<DescribeTableRow>(client, DESCRIBE_TABLE_SQL, [qualifiedName(p.table)]));
  const row = result.rows[0];
  if (!row) throw SchemaErrors.tableNotFound(p.table.schema === undefined ? p.table.name : `${p.table.schema}.${p.table.name}`);
  return toTableDescription(row);
}
