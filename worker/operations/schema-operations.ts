import { operationParamsSchemas as schemas } from '../../shared/operation-params';
import { alterTable, createTable, describeTable, dropTable, listTables } from '../schema/schema-service';
import { defineOperation } from './operation';

/** createTable · alterTable · dropTable · listTables · describeTable (DESIGN §4). */
export const schemaOperations = {
  createTable: defineOperation(schemas.createTable, ({ plugin }, p) => createTable(plugin, p)),
  alterTable: defineOperation(schemas.alterTable, ({ plugin }, p) => alterTable(plugin, p)),
  dropTable: defineOperation(schemas.dropTable, ({ plugin }, p) => dropTable(plugin, p)),
  listTables: defineOperation(schemas.listTables, ({ plugin }, p) => listTables(plugin, p)),
  describeTable: defineOperation(schemas.describeTable, ({ plugin }, p) => describeTable(plugin, p)),
};
