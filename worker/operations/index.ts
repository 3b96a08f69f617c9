import type { OperationName } from '../../shared/operation-params';
import { batchOperations } from './batch-operations';
import { connectionOperations } from './connection-operations';
import { crudOperations } from './crud-operations';
import { cursorOperations } from './cursor-operations';
import type { Operation } from './operation';
import { queryOperations } from './query-operations';
import { schemaOperations } from './schema-operations';
import { transactionOperations } from './transaction-operations';

/** Every operation the worker offers, by name. Adding one here adds it to the wire. */
export const operations: Record<OperationName, Operation> = {
  ...connectionOperations,
  ...queryOperations,
  ...transactionOperations,
  ...crudOperations,
  ...batchOperations,
  ...cursorOperations,
  ...schemaOperations,
} as Record<OperationName, Operation>;

export type { Operation, OperationContext } from './operation';
