import { z } from 'zod';
import { executeParamsSchema, initializeParamsSchema, Method, PLUGIN_NAME } from '../../shared/protocol';
import { operationParamsSchemas } from '../../shared/operation-params';
import { pluginConfigSchema } from '../../shared/config-schema';
import { workerLimitsParamsSchema } from '../../shared/worker-limits';

/**
 * The `rpc.discover` answer: an OpenRPC 1.x document whose schemas are
 * generated from the same zod schemas the worker validates with.
 */
export function openRpcDocument(version: string): Record<string, unknown> {
  const schema = (s: z.ZodType): unknown => z.toJSONSchema(s, { unrepresentable: 'any', io: 'input' });
  const operations = Object.fromEntries(
    Object.entries(operationParamsSchemas).map(([name, s]) => [`operation.${name}`, schema(s)]),
  );
  return {
    openrpc: '1.2.6',
    info: { title: PLUGIN_NAME, version },
    methods: [
      { name: Method.initialize, params: [{ name: 'params', schema: schema(initializeParamsSchema) }], result: { name: 'result', schema: { type: 'object' } } },
      {
        name: Method.execute,
        paramStructure: 'by-name',
        params: [{ name: 'params', schema: schema(executeParamsSchema) }],
        result: { name: 'result', schema: {} },
        description: 'Runs `operation` on `instanceId`; see components.schemas for each operation\'s params.',
      },
      { name: Method.shutdown, params: [], result: { name: 'result', schema: { type: 'null' } } },
      { name: Method.discover, params: [], result: { name: 'result', schema: { type: 'object' } } },
      {
        name: Method.workerLimits,
        paramStructure: 'by-name',
        params: [{ name: 'params', schema: schema(workerLimitsParamsSchema) }],
        result: { name: 'result', schema: { type: 'object' } },
        description: 'Sets the worker-wide connection budget and idle-instance timeout; answered once the worker is within the budget.',
      },
      { name: Method.workerStats, params: [], result: { name: 'result', schema: { type: 'object' } }, description: 'Connections per server, the budget, instances open and idle-closed, waiting requests.' },
    ],
    components: { schemas: { config: schema(pluginConfigSchema), ...operations } },
  };
}
