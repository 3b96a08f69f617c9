import { z } from 'zod';
import { executeParamsSchema, initializeParamsSchema, Method, PLUGIN_NAME, PROTOCOL_VERSION } from '../../shared/protocol';
import { operationParamsSchemas } from '../../shared/operation-params';
import { pluginConfigSchema } from '../../shared/config-schema';
import { PluginErrorCode, RpcErrorCode } from '../../shared/error-codes';
import { workerLimitsParamsSchema } from '../../shared/worker-limits';

/**
 * The `rpc.discover` answer: an OpenRPC 1.3 document whose schemas are
 * generated from the same zod schemas the worker validates with. Params are
 * by name (the JSON-RPC `params` object's keys), so a generator reads
 * `initialize` and `execute` as they go on the wire; methods without a result
 * are notifications. `scripts/openrpc.ts` writes it to docs/openrpc.json.
 */
export function openRpcDocument(version: string): Record<string, unknown> {
  const operations = Object.fromEntries(Object.entries(operationParamsSchemas).map(([name, s]) => [`operation.${name}`, schemaOf(s)]));
  return {
    openrpc: '1.3.2',
    info: {
      title: PLUGIN_NAME,
      version,
      description: `PostgreSQL plugin worker, protocol version ${PROTOCOL_VERSION}: JSON-RPC 2.0 over stdio (Content-Length framing, or --framing ndjson). Worker → host notifications: ${Method.progress} { token, value: { kind: "report", done, total } }, ${Method.instanceState} { instanceId, state, attempt?, error? }, ${Method.transactionEnded} { instanceId, transactionId, reason }.`,
    },
    methods: [
      {
        name: Method.initialize,
        paramStructure: 'by-name',
        params: paramsOf(initializeParamsSchema),
        result: { name: 'initializeResult', schema: INITIALIZE_RESULT },
        description: 'Must come first; any other request before it answers -32002.',
      },
      {
        name: Method.execute,
        paramStructure: 'by-name',
        params: paramsOf(executeParamsSchema),
        result: { name: 'operationResult', schema: {} },
        errors: PLUGIN_ERRORS,
        description: "Runs `operation` on `instanceId`; components.schemas['operation.<name>'] is each operation's `params`, components.schemas.config the `config`.",
      },
      { name: Method.shutdown, params: [], result: { name: 'null', schema: { type: 'null' } }, description: 'Rolls back open transactions and ends the pools.' },
      { name: Method.discover, params: [], result: { name: 'openrpcDocument', schema: { type: 'object' } }, description: 'This document.' },
      { name: Method.heartbeat, params: [], result: { name: 'null', schema: { type: 'null' } }, description: 'Liveness probe, answered straight from the event loop.' },
      { name: Method.exit, params: [], description: 'Notification: the process exits (0 after shutdown, 1 otherwise).' },
      {
        name: Method.cancelRequest,
        paramStructure: 'by-name',
        params: [{ name: 'id', required: true, schema: { type: ['string', 'integer'] } }],
        description: 'Notification: the request with this id stops; a running statement is cancelled on the server.',
      },
      {
        name: Method.workerLimits,
        paramStructure: 'by-name',
        params: paramsOf(workerLimitsParamsSchema),
        result: { name: 'workerLimits', schema: { type: 'object' } },
        description: 'Sets the worker-wide connection budget and idle-instance timeout; answered once the worker is within the budget.',
      },
      {
        name: Method.workerStats,
        params: [],
        result: { name: 'workerStats', schema: { type: 'object' } },
        description: 'Connections per server, the budget, instances open and idle-closed, waiting requests.',
      },
    ],
    components: { schemas: { config: schemaOf(pluginConfigSchema), ...operations } },
  };
}

function schemaOf(s: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(s, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  return schema;
}

/** One content descriptor per key of an object schema: the by-name params of a method. */
function paramsOf(s: z.ZodObject): Record<string, unknown>[] {
  const json = schemaOf(s) as { properties: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties).map(([name, schema]) => ({ name, required: json.required?.includes(name) ?? false, schema }));
}

const INITIALIZE_RESULT = {
  type: 'object',
  required: ['name', 'version', 'protocolVersion', 'operations', 'capabilities'],
  properties: {
    name: { const: PLUGIN_NAME },
    version: { type: 'string' },
    protocolVersion: { const: PROTOCOL_VERSION },
    operations: { type: 'array', items: { type: 'string' } },
    capabilities: { type: 'object' },
  },
};

/** The JSON-RPC errors of `execute`: `data.code` is the stable identifier. */
const PLUGIN_ERRORS = [
  { code: RpcErrorCode.INVALID_PARAMS, message: `invalid params (data.code ${PluginErrorCode.INVALID_PARAMS}; details.issues name each path)` },
  { code: RpcErrorCode.SERVER_NOT_INITIALIZED, message: 'not initialised' },
  { code: RpcErrorCode.REQUEST_CANCELLED, message: `cancelled (data.code ${PluginErrorCode.QUERY_CANCELLED})` },
  {
    code: RpcErrorCode.PLUGIN_ERROR,
    message: 'plugin error',
    data: {
      type: 'object',
      required: ['code', 'message', 'details', 'timestamp', 'retryable'],
      properties: {
        code: { enum: Object.values(PluginErrorCode) },
        message: { type: 'string' },
        details: { type: 'object' },
        timestamp: { type: 'string' },
        retryable: { type: 'boolean' },
      },
    },
  },
];
