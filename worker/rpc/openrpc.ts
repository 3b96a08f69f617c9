import { z } from 'zod';
import { executeParamsSchema, initializeParamsSchema, Method, PLUGIN_NAME } from '../../shared/protocol';
import { operationParamsSchemas } from '../../shared/operation-params';
import { pluginConfigSchema } from '../../shared/config-schema';

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
    ],
    components: { schemas: { config: schema(pluginConfigSchema), ...operations } },
  };
}
