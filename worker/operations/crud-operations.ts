import { operationParamsSchemas as schemas } from '../../shared/operation-params';
import * as crud from '../crud/crud-service';
import { defineOperation } from './operation';

/** insert · update · delete · find · findOne · count (DESIGN §4). */
export const crudOperations = {
  insert: defineOperation(schemas.insert, ({ plugin, cancellation }, p) => crud.insert(plugin, p, cancellation)),
  update: defineOperation(schemas.update, ({ plugin, cancellation }, p) => crud.update(plugin, p, cancellation)),
  delete: defineOperation(schemas.delete, ({ plugin, cancellation }, p) => crud.remove(plugin, p, cancellation)),
  find: defineOperation(schemas.find, ({ plugin, cancellation }, p) => crud.find(plugin, p, cancellation)),
  findOne: defineOperation(schemas.findOne, ({ plugin, cancellation }, p) => crud.findOne(plugin, p, cancellation)),
  count: defineOperation(schemas.count, ({ plugin, cancellation }, p) => crud.count(plugin, p, cancellation)),
};
