import path from 'node:path';

/** Options of the sandboxed worker. */
export interface SandboxOptions {
  /** Extra environment variables to pass (on top of the allow-list). */
  env?: Record<string, string>;
  /** Extra directories the worker may read. */
  allowRead?: string[];
}

/** Environment variables a sandboxed worker keeps: nothing secret, only what Node and logging use. */
export const SANDBOX_ENV_ALLOW_LIST: readonly string[] = Object.freeze(['PATH', 'LANG', 'LC_ALL', 'TZ', 'NODE_ENV', 'POSTGRES_PLUGIN_LOG_LEVEL']);

/** Runtime dependencies whose install folders the worker must be able to read. */
const RUNTIME_DEPENDENCIES = ['pg', 'pino', 'zod', 'vscode-jsonrpc', 'piscina'];

/**
 * Node flags and environment for a sandboxed worker: Node's permission model
 * with read access only to the worker's own package and its dependencies, no
 * file writes, no child processes; worker threads stay allowed (piscina).
 */
export function sandboxLaunch(workerScript: string, options: SandboxOptions = {}): { nodeFlags: string[]; env: NodeJS.ProcessEnv } {
  const packageRoot = path.resolve(path.dirname(workerScript), '..', '..');
  const readable = new Set<string>([packageRoot, ...(options.allowRead ?? [])]);
  for (const dependency of RUNTIME_DEPENDENCIES) {
    const modules = nodeModulesDirOf(dependency, path.dirname(workerScript));
    if (modules) readable.add(modules);
  }
  const nodeFlags = [
    '--experimental-permission',
    ...[...readable].map((dir) => `--allow-fs-read=${path.join(dir, '*')}`),
    '--allow-worker',
    // The permission model is deliberate here; its warnings would only be noise in the logs.
    '--disable-warning=ExperimentalWarning',
    '--disable-warning=SecurityWarning',
  ];
  const env: NodeJS.ProcessEnv = {};
  for (const key of SANDBOX_ENV_ALLOW_LIST) if (process.env[key] !== undefined) env[key] = process.env[key];
  Object.assign(env, options.env);
  return { nodeFlags, env };
}

/** The `node_modules` folder a dependency resolves into from `fromDir`, if it resolves. */
function nodeModulesDirOf(dependency: string, fromDir: string): string | undefined {
  try {
    const entry = require.resolve(dependency, { paths: [fromDir] });
    const at = entry.lastIndexOf(`${path.sep}node_modules${path.sep}${dependency}${path.sep}`);
    return at === -1 ? undefined : entry.slice(0, at + `${path.sep}node_modules`.length);
  } catch {
    return undefined;
  }
}

/**
 * The Node flags and environment a worker starts with: the V8 heap cap and the
 * sandbox, both for node workers only (`definition.command` is this Node).
 */
export function nodeLaunch(
  definition: { command: string; args: readonly string[]; env?: NodeJS.ProcessEnv },
  maxMemoryMb: number | undefined,
  sandbox: SandboxOptions | undefined,
): { nodeFlags: string[]; env: NodeJS.ProcessEnv | undefined } {
  const isNode = definition.command === process.execPath;
  const nodeFlags = maxMemoryMb !== undefined && isNode ? [`--max-old-space-size=${maxMemoryMb}`] : [];
  if (!sandbox || !isNode) return { nodeFlags, env: definition.env };
  const launch = sandboxLaunch(definition.args[definition.args.length - 1]!, sandbox);
  return { nodeFlags: [...nodeFlags, ...launch.nodeFlags], env: launch.env };
}
