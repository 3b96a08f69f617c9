import { operationParamsSchemas as schemas } from '../../shared/operation-params';
import { defineOperation } from './operation';

/** transaction · beginTransaction · commit · rollback (DESIGN §4). */
export const transactionOperations = {
  transaction: defineOperation(schemas.transaction, ({ plugin, cancellation }, p) => plugin.runTransaction(p, cancellation)),
  beginTransaction: defineOperation(schemas.beginTransaction, ({ plugin }, p) => plugin.transactions.begin(p)),
  commit: defineOperation(schemas.commit, ({ plugin }, p) => plugin.transactions.commit(p.transactionId)),
  rollback: defineOperation(schemas.rollback, ({ plugin }, p) => plugin.transactions.rollback(p.transactionId)),
};
