/** How to start a plugin's worker, and what the host answers when that worker asks. */
export interface PluginDefinition {
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** `false`: never started sandboxed (the generic worker loads a plugin's code from outside this package). */
  sandbox?: false;
  /** Worker→host requests the host serves, by method (the generic worker's calls of the host's services). */
  requestHandlers?: Readonly<Record<string, (params: unknown) => unknown>>;
}
