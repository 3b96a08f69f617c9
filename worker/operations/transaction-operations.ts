import { operationParamsSchemas as schemas } from '../../shared/operation-params';
import { defineOperation } from './operation';

/** transaction · beginTransaction · commit · rollback (docs/plugin-api.md). */
export const transactionOperations = {
  transaction: defineOperation(schemas.transaction, ({ instance, cancellation, xid }, p) => instance.runTransaction(p, cancellation, xid)),
  beginTransaction: defineOperation(schemas.beginTransaction, ({ instance, xid }, p) => instance.transactions.begin(p, xid)),
  commit: defineOperation(schemas.commit, ({ instance }, p) => instance.transactions.commit(p.transactionId)),
  rollback: defineOperation(schemas.rollback, ({ instance }, p) => instance.transactions.rollback(p.transactionId)),
};
