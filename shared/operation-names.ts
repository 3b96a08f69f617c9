/**
 * The operations the worker offers, by name: the list `initialize` answers
 * and `execute` checks first, apart from their params schemas
 * (operation-params.ts), which a worker loads only once it executes.
 */
export const OPERATION_NAMES = Object.freeze([
  'connect',
  'disconnect',
  'isConnected',
  'ping',
  'query',
  'queryOne',
  'queryValue',
  'execute',
  'getStats',
  'closeAllConnections',
  'transaction',
  'beginTransaction',
  'commit',
  'rollback',
  'insert',
  'update',
  'delete',
  'find',
  'findOne',
  'count',
  'batchInsert',
  'openCursor',
  'fetch',
  'closeCursor',
  'createTable',
  'alterTable',
  'dropTable',
  'listTables',
  'describeTable',
] as const);

export type OperationName = (typeof OPERATION_NAMES)[number];

const NAMES: ReadonlySet<string> = new Set(OPERATION_NAMES);

export function isOperationName(name: string): name is OperationName {
  return NAMES.has(name);
}
