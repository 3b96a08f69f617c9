import { operationParamsSchemas as schemas } from '../../shared/operation-params';
import { firstRow, firstValue, toExecuteResult } from '../statements/result-shapes';
import { defineOperation } from './operation';

/** query · queryOne · queryValue · execute (docs/plugin-api.md). */
export const queryOperations = {
  query: defineOperation(schemas.query, ({ instance, cancellation }, p) => instance.run(p, cancellation)),
  queryOne: defineOperation(schemas.queryOne, async ({ instance, cancellation }, p) =>
    firstRow(await instance.run(p, cancellation)),
  ),
  queryValue: defineOperation(schemas.queryValue, async ({ instance, cancellation }, p) =>
    firstValue(await instance.run(p, cancellation)),
  ),
  execute: defineOperation(schemas.execute, async ({ instance, cancellation }, p) =>
    toExecuteResult(await instance.run(p, cancellation)),
  ),
};
