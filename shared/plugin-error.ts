import { RpcErrorCode, rpcCodeFor, type AnyErrorCode } from './error-codes';

/** `error.data` of a failed JSON-RPC response (docs/plugin-api.md#errors). */
export interface PluginErrorData {
  code: AnyErrorCode;
  message: string;
  details: Record<string, unknown>;
  timestamp: string;
  retryable: boolean;
}

/**
 * An error that crosses the wire: a stable `POSTGRES_…` code, a message meant
 * for people, structured details and whether repeating the request is safe.
 * Host-local conditions use their own small error types instead.
 */
export class PluginError extends Error {
  readonly code: AnyErrorCode;
  readonly details: Record<string, unknown>;
  readonly retryable: boolean;
  readonly timestamp: string;
  /** Made from a peer's answer (`fromData`), not raised on this side of the pipe. */
  readonly fromPeer: boolean = false;

  constructor(
    code: AnyErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    retryable = false,
  ) {
    super(message);
    this.name = 'PluginError';
    this.code = code;
    this.details = details;
    this.retryable = retryable;
    this.timestamp = new Date().toISOString();
  }

  /** The JSON-RPC `error.code` this error is sent with. */
  get rpcCode(): RpcErrorCode {
    return rpcCodeFor(this.code);
  }

  /** The `error.data` object of the wire contract. */
  toData(): PluginErrorData {
    return {
      code: this.code,
      message: this.message,
      details: this.details,
      timestamp: this.timestamp,
      retryable: this.retryable,
    };
  }

  /**
   * Rebuilds an error received from the wire, when `data` has the contract's
   * shape: a CONSTANT_CASE code (`POSTGRES_…`, or another plugin's own) and a message.
   */
  static fromData(data: unknown): PluginError | undefined {
    if (typeof data !== 'object' || data === null) return undefined;
    const d = data as Partial<PluginErrorData>;
    if (typeof d.code !== 'string' || !ERROR_CODE_SYNTAX.test(d.code) || typeof d.message !== 'string') {
      return undefined;
    }
    const error = new PluginError(d.code, d.message, isRecord(d.details) ? d.details : {}, d.retryable === true);
    if (typeof d.timestamp === 'string') (error as { timestamp: string }).timestamp = d.timestamp;
    (error as { fromPeer: boolean }).fromPeer = true;
    return error;
  }
}

/** What a code of the wire looks like: `POSTGRES_QUERY_FAILED`, `PLUGIN_ERROR`, `GREETER_BAD_NAME`. */
export const ERROR_CODE_SYNTAX = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
