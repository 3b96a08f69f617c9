import { operationParamsSchemas as schemas } from '../../shared/operation-params';
import { firstRow, firstValue, toExecuteResult } from '../statements/result-shapes';
import { defineOperation } from './operation';

/** query · queryOne · queryValue · execute (DESIGN §4). */
export const queryOperations = {
  query: defineOperation(schemas.query, ({ plugin, cancellation }, p) => plugin.runStatement(p, cancellation)),
  queryOne: defineOperation(schemas.queryOne, async ({ plugin, cancellation }, p) =>
    firstRow(await plugin.runStatement(p, cancellation)),
  ),
  queryValue: defineOperation(schemas.queryValue, async ({ plugin, cancellation }, p) =>
    firstValue(await plugin.runStatement(p, cancellation)),
  ),
  execute: defineOperation(schemas.execute, async ({ plugin, cancellation }, p) =>
    toExecuteResult(await plugin.runStatement(p, cancellation)),
  ),
};
