import { PluginErrorCode, RpcErrorCode, rpcCodeFor } from './error-codes';

/** `error.data` of a failed JSON-RPC response (docs/plugin-api.md#errors). */
export interface PluginErrorData {
  code: PluginErrorCode;
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
  readonly code: PluginErrorCode;
  readonly details: Record<string, unknown>;
  readonly retryable: boolean;
  readonly timestamp: string;

  constructor(
    code: PluginErrorCode,
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

  /** Rebuilds an error received from the wire, when `data` has the contract's shape. */
  static fromData(data: unknown): PluginError | undefined {
    if (typeof data !== 'object' || data === null) return undefined;
    const d = data as Partial<PluginErrorData>;
    if (typeof d.code !== 'string' || !d.code.startsWith('POSTGRES_') || typeof d.message !== 'string') {
      return undefined;
    }
    const error = new PluginError(d.code as PluginErrorCode, d.message, isRecord(d.details) ? d.details : {}, d.retryable === true);
    if (typeof d.timestamp === 'string') (error as { timestamp: string }).timestamp = d.timestamp;
    return error;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
