import { ResponseError } from 'vscode-jsonrpc/node';
import { RpcErrorCode } from '../error-codes';
import { Errors } from '../errors';
import { PluginError } from '../plugin-error';

/** What an endpoint logs through: pino's logger has this shape. */
export interface EndpointLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The `error` member of a JSON-RPC response as it arrives. */
export interface WireError {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * Whatever a request handler threw, as the JSON-RPC error of the contract
 * (docs/plugin-api.md#errors): a ResponseError as it is, a plugin error with its data, anything
 * else (a bug, not an input problem) logged here and sent as an internal error
 * without a stack.
 */
export function toResponseError(error: unknown, logger: EndpointLogger): ResponseError<unknown> {
  if (error instanceof ResponseError) return error;
  if (error instanceof PluginError) return new ResponseError(error.rpcCode, error.message, error.toData());
  logger.error({ err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) }, 'unexpected error');
  const internal = Errors.internal(error instanceof Error ? error.message : String(error));
  return new ResponseError(RpcErrorCode.INTERNAL_ERROR, internal.message, internal.toData());
}

/** An error response to one of our requests, as the plugin error its caller gets. */
export function fromResponseError(error: WireError): PluginError {
  return PluginError.fromData(error.data) ?? Errors.rpcError(error.code, error.message);
}

/** The answer to a request for a method nobody handles. */
export function methodNotFound(method: string): ResponseError<undefined> {
  return new ResponseError(RpcErrorCode.METHOD_NOT_FOUND, `Unhandled method ${method}`);
}
