import { operationParamsSchemas as schemas } from '../../shared/operation-params';
import { defineOperation } from './operation';

/** openCursor · fetch · closeCursor (docs/plugin-api.md#cursors). */
export const cursorOperations = {
  openCursor: defineOperation(schemas.openCursor, ({ instance, cancellation }, p) => instance.cursors.openCursor(p, cancellation)),
  fetch: defineOperation(schemas.fetch, ({ instance, cancellation }, p) => instance.cursors.fetch(p, cancellation)),
  closeCursor: defineOperation(schemas.closeCursor, ({ instance }, p) => instance.cursors.closeCursor(p.cursorId)),
};
