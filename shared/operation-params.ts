import { z } from 'zod';
import { isOperationName, OPERATION_NAMES, type OperationName } from './operation-names';
import { sqlTextSchema } from './sql-text';
import { batchInsertParamsSchema } from './batch-params';
import { closeCursorParamsSchema, fetchParamsSchema, openCursorParamsSchema } from './cursor-params';
import { bindParamsSchema } from './bind-params';
import {
  countParamsSchema,
  deleteParamsSchema,
  findOneParamsSchema,
  findParamsSchema,
  insertParamsSchema,
  updateParamsSchema,
} from './crud-params';
import { timeoutMsSchema } from './timeout-limits';
import { beginTransactionParamsSchema, transactionIdParamsSchema, transactionParamsSchema } from './transaction-params';
import {
  alterTableParamsSchema,
  createTableParamsSchema,
  describeTableParamsSchema,
  dropTableParamsSchema,
  listTablesParamsSchema,
} from './schema-params';

/**
 * The params of every operation (docs/plugin-api.md), as zod schemas built once at load
 * time. Declarations only: the worker runs them, the OpenRPC document is
 * generated from them.
 */

/** Per-request statement timeout in ms; overrides `options.queryTimeout`. */
const timeout = timeoutMsSchema;
const transactionId = z.string().min(1).max(200);

const noParams = z.object({ timeout: timeout.optional() }).strict();

export const statementParamsSchema = z
  .object({
    sql: sqlTextSchema('statement'),
    params: bindParamsSchema.optional(),
    timeout: timeout.optional(),
    rowMode: z.enum(['object', 'array']).optional(),
    multiStatement: z.boolean().optional(),
    transactionId: transactionId.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.multiStatement && p.params && p.params.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['params'],
        message: 'multiStatement scripts run on the simple protocol and take no params',
      });
    }
  });
export type StatementParams = z.output<typeof statementParamsSchema>;

/** Operation name → params schema. The keys are the operations the worker offers. */
export const operationParamsSchemas = {
  connect: noParams,
  disconnect: noParams,
  isConnected: noParams,
  ping: noParams,
  query: statementParamsSchema,
  queryOne: statementParamsSchema,
  queryValue: statementParamsSchema,
  execute: statementParamsSchema,
  getStats: noParams,
  closeAllConnections: noParams,
  transaction: transactionParamsSchema,
  beginTransaction: beginTransactionParamsSchema,
  commit: transactionIdParamsSchema,
  rollback: transactionIdParamsSchema,
  insert: insertParamsSchema,
  update: updateParamsSchema,
  delete: deleteParamsSchema,
  find: findParamsSchema,
  findOne: findOneParamsSchema,
  count: countParamsSchema,
  batchInsert: batchInsertParamsSchema,
  openCursor: openCursorParamsSchema,
  fetch: fetchParamsSchema,
  closeCursor: closeCursorParamsSchema,
  createTable: createTableParamsSchema,
  alterTable: alterTableParamsSchema,
  dropTable: dropTableParamsSchema,
  listTables: listTablesParamsSchema,
  describeTable: describeTableParamsSchema,
} as const satisfies Record<OperationName, z.ZodType>;

/** Every name of operation-names.ts has its schema, and no schema is for an operation not named there. */
type SchemaNames = keyof typeof operationParamsSchemas;
const namesMatch: [Exclude<OperationName, SchemaNames>, Exclude<SchemaNames, OperationName>] extends [never, never] ? true : never = true;
void namesMatch;

export { isOperationName, OPERATION_NAMES, type OperationName };
