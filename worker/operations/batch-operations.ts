import { operationParamsSchemas as schemas } from '../../shared/operation-params';
import { batchInsert } from '../batch/batch-insert';
import { defineOperation } from './operation';

/** batchInsert (docs/plugin-api.md), with `$/progress` when the request carries a progressToken. */
export const batchOperations = {
  batchInsert: defineOperation(schemas.batchInsert, ({ instance, progress, cancellation }, p) =>
    batchInsert(instance, p, { progress, cancellation, root: 'params' }),
  ),
};
