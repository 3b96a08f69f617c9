import { operationParamsSchemas as schemas } from '../../shared/operation-params';
import * as crud from '../crud/crud-service';
import { defineOperation } from './operation';

/** insert · update · delete · find · findOne · count (docs/plugin-api.md). */
export const crudOperations = {
  insert: defineOperation(schemas.insert, ({ instance, cancellation }, p) => crud.insert(instance, p, cancellation)),
  update: defineOperation(schemas.update, ({ instance, cancellation }, p) => crud.update(instance, p, cancellation)),
  delete: defineOperation(schemas.delete, ({ instance, cancellation }, p) => crud.remove(instance, p, cancellation)),
  find: defineOperation(schemas.find, ({ instance, cancellation }, p) => crud.find(instance, p, cancellation)),
  findOne: defineOperation(schemas.findOne, ({ instance, cancellation }, p) => crud.findOne(instance, p, cancellation)),
  count: defineOperation(schemas.count, ({ instance, cancellation }, p) => crud.count(instance, p, cancellation)),
};
