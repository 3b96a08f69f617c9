/**
 * What the generic plugin worker adds to the protocol (docs/plugin-system.md):
 * declarations only, shared by the host and that worker.
 */

/** Worker → host request: a call of one of the host's services, `{ service, method, args }`; the answer is its JSON result. */
export const SERVICE_CALL_METHOD = 'plugin/service';

/** The reserved operation of the host's startup check: `initialize(context)` with the given config, then the instance is closed. */
export const CHECK_OPERATION = '$initialize';

/** The instanceId the startup check runs as. */
export const CHECK_INSTANCE = 'startup-check';
