import type { PluginError } from '../shared/plugin-error';

/** The documented result of `executePlugin` (README.md): never thrown, always returned. */
export type PluginResult<T = unknown> =
  | { success: true; data: T }
  | {
      success: false;
      error: { code: string; message: string; details: Record<string, unknown>; timestamp: string; retryable: boolean };
    };

export function ok<T>(data: T): PluginResult<T> {
  return { success: true, data };
}

export function failed<T>(error: PluginError): PluginResult<T> {
  return {
    success: false,
    error: {
      code: error.code,
      message: error.message,
      details: error.details,
      timestamp: error.timestamp,
      retryable: error.retryable,
    },
  };
}
