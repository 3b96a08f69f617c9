/**
 * The parts of the worker it loads on first use, not at start: a worker
 * answers `initialize` having loaded only the protocol (zod, the transport,
 * the logger). The instance registry (pg, pools, the SQL grammar) and the
 * operation table with its params schemas load at the first `execute` (or
 * right after `initialize`, in the background: see RpcServer.initialize);
 * batch decoding and its threads at the first batch frame; the OpenRPC
 * document at the first `rpc.discover`. See docs/architecture.md#start. pg loads
 * without its Cloudflare probe loading Node's fetch (withoutFetchResponse).
 */
import type * as InstanceRegistryModule from '../instance/instance-registry';
import type * as OperationsModule from '../operations';
import type * as BatchInsertModule from '../batch/batch-insert';
import type * as OpenRpcModule from './openrpc';

/** `load`'s value, computed on the first call and remembered. */
function onFirstUse<T>(load: () => T): { (): T; readonly loaded: boolean } {
  let value: { v: T } | undefined;
  const get = () => (value ??= { v: withoutFetchResponse(load) }).v;
  return Object.defineProperty(get, 'loaded', { get: () => value !== undefined }) as { (): T; readonly loaded: boolean };
}

export const deferred = {
  registry: onFirstUse(() => (require('../instance/instance-registry') as typeof InstanceRegistryModule).InstanceRegistry),
  operations: onFirstUse(() => (require('../operations') as typeof OperationsModule).operations),
  batchInsert: onFirstUse(() => (require('../batch/batch-insert') as typeof BatchInsertModule).batchInsertDecoded),
  openRpc: onFirstUse(() => (require('./openrpc') as typeof OpenRpcModule).openRpcDocument),
};

/**
 * Runs `load` with `globalThis.Response` hidden. pg, when it loads, asks whether
 * it runs in Cloudflare Workers: where the runtime has no `navigator` (Node 20)
 * it constructs a `Response`, and Node's `Response` is a getter that loads its
 * whole fetch implementation (undici), about a tenth of a worker's start, for a
 * worker that never fetches. Hidden, the probe answers "not Cloudflare" at once,
 * as it does on Node 21+. The global is put back as it was.
 */
function withoutFetchResponse<T>(load: () => T): T {
  const response = Object.getOwnPropertyDescriptor(globalThis, 'Response');
  if (response === undefined || 'navigator' in globalThis) return load();
  Object.defineProperty(globalThis, 'Response', { value: undefined, writable: true, configurable: true });
  try {
    return load();
  } finally {
    Object.defineProperty(globalThis, 'Response', response);
  }
}
