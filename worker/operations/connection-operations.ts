import { operationParamsSchemas as schemas } from '../../shared/operation-params';
import { defineOperation } from './operation';

/** connect · disconnect · isConnected · ping · getStats · closeAllConnections (docs/plugin-api.md). */
export const connectionOperations = {
  connect: defineOperation(schemas.connect, async ({ instance }) => {
    await instance.connect();
    return null;
  }),
  disconnect: defineOperation(schemas.disconnect, async ({ instance }) => {
    await instance.closeConnections();
    return null;
  }),
  isConnected: defineOperation(schemas.isConnected, async ({ instance }) => instance.connected),
  ping: defineOperation(schemas.ping, ({ instance }, p) => instance.ping(p.timeout)),
  getStats: defineOperation(schemas.getStats, async ({ instance }) => instance.stats()),
  closeAllConnections: defineOperation(schemas.closeAllConnections, async ({ instance }) => {
    await instance.closeConnections();
    return null;
  }),
};
