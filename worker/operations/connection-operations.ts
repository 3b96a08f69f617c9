import { operationParamsSchemas as schemas } from '../../shared/operation-params';
import { defineOperation } from './operation';

/** connect · disconnect · isConnected · ping · getStats · closeAllConnections (DESIGN §4). */
export const connectionOperations = {
  connect: defineOperation(schemas.connect, async ({ plugin }) => {
    await plugin.connect();
    return null;
  }),
  disconnect: defineOperation(schemas.disconnect, async ({ plugin }) => {
    await plugin.disconnect();
    return null;
  }),
  isConnected: defineOperation(schemas.isConnected, ({ plugin }) => plugin.isConnected()),
  ping: defineOperation(schemas.ping, ({ plugin }, p) => plugin.ping(p.timeout)),
  getStats: defineOperation(schemas.getStats, ({ plugin }) => plugin.getStats()),
  closeAllConnections: defineOperation(schemas.closeAllConnections, async ({ plugin }) => {
    await plugin.closeAllConnections();
    return null;
  }),
};
