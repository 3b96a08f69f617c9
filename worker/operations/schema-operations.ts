import { operationParamsSchemas as schemas } from '../../shared/operation-params';
import { alterTable, createTable, describeTable, dropTable, listTables } from '../schema/schema-service';
import { defineOperation } from './operation';

/** createTable · alterTable · dropTable · listTables · describeTable (docs/plugin-api.md). */
export const schemaOperations = {
  createTable: defineOperation(schemas.createTable, ({ instance }, p) => createTable(instance, p)),
  alterTable: defineOperation(schemas.alterTable, ({ instance }, p) => alterTable(instance, p)),
  dropTable: defineOperation(schemas.dropTable, ({ instance }, p) => dropTable(instance, p)),
  listTables: defineOperation(schemas.listTables, ({ instance }, p) => listTables(instance, p)),
  describeTable: defineOperation(schemas.describeTable, ({ instance }, p) => describeTable(instance, p)),
};
