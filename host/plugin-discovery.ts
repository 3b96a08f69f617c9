import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { PluginDefinition } from './plugin-definition';

/**
 * The generic worker (`dist/plugin-worker/main.js`) that serves a plugin which
 * only exports `initialize(context)`; found beside this file's `dist/host/`, or
 * in `dist/` when this file runs from source as in the tests.
 */
export const GENERIC_WORKER =
  [path.join(__dirname, '..', 'plugin-worker', 'main.js'), path.join(__dirname, '..', 'dist', 'plugin-worker', 'main.js')].find((candidate) =>
    fs.existsSync(candidate),
  ) ?? path.join(__dirname, '..', 'plugin-worker', 'main.js');

/** A plugin found in the folder. */
export interface DiscoveredPlugin {
  /** The `name` of its package.json: what `executePlugin` calls it. */
  name: string;
  version: string;
  /** Its folder. */
  path: string;
  /** `worker`: it declares its own worker executable; `module`: it exports `initialize(context)`, served by the generic worker. */
  kind: 'worker' | 'module';
  /** The worker executable, or the entry module. */
  file: string;
  definition: PluginDefinition;
}

/** A folder that is not a usable plugin, and why. */
export interface PluginProblem {
  path: string;
  /** The package name, when one could be read. */
  name?: string;
  reason: string;
}

export interface DiscoveryResult {
  plugins: DiscoveredPlugin[];
  problems: PluginProblem[];
}

/**
 * The parts of a plugin's package.json that discovery reads. `plugin.worker`
 * declares a worker executable of its own (a Node script speaking the
 * protocol, relative to the folder); without it, `main` (default `index.js`)
 * is the entry the generic worker loads.
 */
const pluginPackageSchema = z.object({
  name: z.string().min(1, 'is empty'),
  version: z.string().optional(),
  main: z.string().min(1).optional(),
  plugin: z.object({ worker: z.string().min(1).optional() }).optional(),
});

/**
 * Scans `dir`: each subfolder with a package.json is a plugin named by that
 * package. Reads files only; never loads or runs a plugin's code in this
 * process (the generic worker loads it, in its own process). Folders are taken
 * in name order; a name already taken (by an earlier folder or by `reserved`)
 * is a problem of the later folder.
 */
export function discoverPlugins(dir: string, reserved: ReadonlySet<string> = new Set(), services: readonly string[] = []): DiscoveryResult {
  const root = path.resolve(dir);
  const plugins: DiscoveredPlugin[] = [];
  const problems: PluginProblem[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch (error) {
    return { plugins, problems: [{ path: root, reason: `the plugins folder can't be read: ${(error as Error).message}` }] };
  }
  const taken = new Map<string, string>();
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const folder = path.join(root, entry.name);
    if (!isDirectory(folder)) continue;
    const found = readPlugin(folder, services);
    if ('reason' in found) {
      problems.push(found);
      continue;
    }
    const other = reserved.has(found.name) ? 'the plugins given in the options' : taken.get(found.name);
    if (other !== undefined) {
      problems.push({ path: folder, name: found.name, reason: `the name '${found.name}' is used twice: also by ${other}` });
      continue;
    }
    taken.set(found.name, folder);
    plugins.push(found);
  }
  return { plugins, problems };
}

function readPlugin(folder: string, services: readonly string[]): DiscoveredPlugin | PluginProblem {
  const manifest = path.join(folder, 'package.json');
  let text: string;
  try {
    text = fs.readFileSync(manifest, 'utf8');
  } catch {
    return { path: folder, reason: 'no package.json' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { path: folder, reason: `package.json is not valid JSON: ${(error as Error).message}` };
  }
  const parsed = pluginPackageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { path: folder, reason: `package.json: ${issue.path.join('.') || '(root)'} ${issue.message}` };
  }
  const { name, version = '0.0.0', main, plugin } = parsed.data;
  if (plugin?.worker !== undefined) {
    const file = path.resolve(folder, plugin.worker);
    if (!isFile(file)) return { path: folder, name, reason: `no entry: its worker ${file} (package.json plugin.worker) does not exist` };
    return { name, version, path: folder, kind: 'worker', file, definition: { command: process.execPath, args: [file] } };
  }
  const file = resolveEntry(folder, main ?? 'index.js');
  if (file === undefined) {
    return { path: folder, name, reason: `no entry: ${path.resolve(folder, main ?? 'index.js')} (package.json ${main ? 'main' : 'main, default index.js'}) does not exist` };
  }
  const args = [GENERIC_WORKER, '--entry', file, '--name', name, '--version', version];
  if (services.length > 0) args.push('--services', services.join(','));
  return { name, version, path: folder, kind: 'module', file, definition: { command: process.execPath, args } };
}

/** `main` as Node resolves a package's main file: the file, with `.js`, or the folder's index.js. */
function resolveEntry(folder: string, main: string): string | undefined {
  const base = path.resolve(folder, main);
  return [base, `${base}.js`, `${base}.cjs`, path.join(base, 'index.js')].find(isFile);
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
