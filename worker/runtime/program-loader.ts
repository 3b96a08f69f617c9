import { createHash } from 'node:crypto';
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import type * as ProgramModule from './worker-program';
import type { CodeCacheState, ProgramLoad } from './worker-program';

/**
 * How the executable loads the worker program. A worker start is mostly module
 * loading: resolving, reading and compiling some 300 files (zod, pg, pino, the
 * protocol). The build bundles `worker/runtime/worker-program.ts` into one file beside
 * `main.js` (`scripts/bundle-worker.mjs`), so a start reads one file, and runs it
 * through V8's code cache (Node 20 has no built-in compile cache): the first
 * start compiles and, once it has served its first requests (or when it exits,
 * if sooner), writes what V8 compiled; later starts deserialize it instead of
 * compiling. Without the bundle (a `tsc`-only build), or with one older than
 * the executable, the program loads module by module.
 *
 * The cache lives in a directory only this OS user can write (a code cache is
 * code: one planted by someone else must never be loaded), by default
 * `<tmpdir>/postgres-plugin-code-cache-<uid>`. `POSTGRES_PLUGIN_CODE_CACHE=off`
 * turns it off; any other value names the directory. Every failure (a sandbox
 * without file access, a read-only disk, a cache V8 refuses) falls back to
 * compiling: the worker starts either way. See docs/architecture.md, "Why the
 * worker starts from one file".
 */

/** The build's bundle of worker/runtime/worker-program.ts, beside main.js. */
export const BUNDLE_FILE = 'program.bundle.js';

/** After this long the preload and the first requests have compiled what a start runs: the cache is written then. */
const CACHE_WRITE_DELAY_MS = 1_500;

/**
 * Loads the program from the bundle beside `mainFile` (the executable) when the
 * build made one, else from its modules. A bundle older than the executable is
 * stale (`tsc` ran after the last `npm run build`: it rewrites every file it
 * emits) and is not used.
 */
export function loadProgram(mainFile: string, env: NodeJS.ProcessEnv = process.env): { program: typeof ProgramModule; load: ProgramLoad } {
  const dir = path.dirname(mainFile);
  const bundle = path.join(dir, BUNDLE_FILE);
  const built = currentBundle(bundle, mainFile);
  if (built === undefined) return { program: require('./worker-program') as typeof ProgramModule, load: { from: 'modules', codeCache: 'off' } };
  const cache = cacheFileFor(bundle, built, env.POSTGRES_PLUGIN_CODE_CACHE);
  const cachedData = cache === undefined ? undefined : readPrivateFile(cache.file);
  const script = new vm.Script(Module.wrap(fs.readFileSync(bundle, 'utf8')), {
    filename: bundle,
    ...(cachedData !== undefined ? { cachedData } : {}),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const program = new Module(bundle);
  program.filename = bundle;
  (script.runInThisContext() as (...args: unknown[]) => void).call(program.exports, program.exports, createRequire(bundle), program, bundle, dir);
  let codeCache: CodeCacheState = cache === undefined ? (env.POSTGRES_PLUGIN_CODE_CACHE === 'off' ? 'off' : 'unavailable') : 'absent';
  if (cachedData !== undefined) codeCache = script.cachedDataRejected === true ? 'rejected' : 'accepted';
  if (cache !== undefined && codeCache !== 'accepted') writeSoon(script, cache);
  return { program: program.exports as typeof ProgramModule, load: { from: 'bundle', codeCache } };
}

/** The bundle's stat when there is one at least as new as the executable. */
function currentBundle(bundle: string, mainFile: string): fs.Stats | undefined {
  try {
    const built = fs.statSync(bundle);
    return built.mtimeMs >= fs.statSync(mainFile).mtimeMs ? built : undefined;
  } catch {
    return undefined;
  }
}

/** A cache file: `<this bundle, this Node, these flags>-<this build>.v8cache`; other builds' files of the same prefix are stale. */
interface CacheFile {
  dir: string;
  prefix: string;
  file: string;
}

function cacheFileFor(bundle: string, built: fs.Stats, setting: string | undefined): CacheFile | undefined {
  if (setting === 'off') return undefined;
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const dir = setting !== undefined && setting !== '' ? path.resolve(setting) : path.join(os.tmpdir(), `postgres-plugin-code-cache-${uid ?? 'user'}`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = fs.lstatSync(dir);
    if (!stat.isDirectory() || !isPrivate(stat, uid)) return undefined;
    const prefix = digest(`${bundle}\0${process.version}\0${process.arch}\0${process.execArgv.join(' ')}`);
    return { dir, prefix, file: path.join(dir, `${prefix}-${digest(`${built.size}\0${built.mtimeMs}`)}.v8cache`) };
  } catch {
    return undefined;
  }
}

/** Owned by this user and writable by nobody else (where the platform has owners). */
function isPrivate(stat: fs.Stats, uid: number | undefined): boolean {
  return uid === undefined || (stat.uid === uid && (stat.mode & 0o022) === 0);
}

/** The file's bytes when it is a regular file of this user's, else undefined. */
function readPrivateFile(file: string): Buffer | undefined {
  try {
    const stat = fs.lstatSync(file);
    if (!stat.isFile() || !isPrivate(stat, typeof process.getuid === 'function' ? process.getuid() : undefined)) return undefined;
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes the cache once: shortly after the start, or when the process exits first (a worker stopped at once still leaves one for the next). */
function writeSoon(script: vm.Script, cache: CacheFile): void {
  let written = false;
  const writeOnce = () => {
    if (written) return;
    written = true;
    clearTimeout(timer);
    process.off('exit', writeOnce);
    writeCache(script, cache);
  };
  const timer = setTimeout(writeOnce, CACHE_WRITE_DELAY_MS).unref();
  process.once('exit', writeOnce);
}

/** Writes what V8 compiled so far (atomically: a worker starting meanwhile reads the old file or the new one) and removes stale builds' files. */
function writeCache(script: vm.Script, cache: CacheFile): void {
  const partial = `${cache.file}.${process.pid}.partial`;
  try {
    fs.writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
    fs.renameSync(partial, cache.file);
    for (const name of fs.readdirSync(cache.dir)) {
      if (name.startsWith(`${cache.prefix}-`) && name.endsWith('.v8cache') && path.join(cache.dir, name) !== cache.file) fs.rmSync(path.join(cache.dir, name), { force: true });
    }
  } catch {
    // A full disk or a denied write: the next start compiles again.
    try {
      fs.rmSync(partial, { force: true });
    } catch {
      // Nothing was written.
    }
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
