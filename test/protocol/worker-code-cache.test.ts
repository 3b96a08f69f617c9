/**
 * The built worker runs from its single-file bundle through V8's code cache
 * (worker/runtime/program-loader.ts): the first start writes the cache into a
 * directory only this user can write, later starts load it, one V8 refuses is
 * replaced, and a directory others could write into is never used; a bundle
 * older than the executable (tsc ran after the last build) is not run. The
 * start's debug line says how the program was loaded.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RawWorker } from '../support/raw-worker';

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'code-cache-test-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Starts the worker (the built one, or `main`) with the setting, answers initialize, stops it; how it was loaded. */
async function startOnce(setting: string, main?: string): Promise<{ from: string; codeCache: string }> {
  const worker = new RawWorker({ POSTGRES_PLUGIN_CODE_CACHE: setting, POSTGRES_PLUGIN_LOG_LEVEL: 'debug' }, [], main);
  const answer = await worker.initialize();
  expect(answer.result.name).toBe('postgres-plugin');
  await worker.close();
  const started = worker.stderr
    .split('\n')
    .filter((line) => line.includes('"worker started"'))
    .map((line) => JSON.parse(line) as { load: { from: string; codeCache: string } });
  expect(started).toHaveLength(1);
  return started[0]!.load;
}

const cacheFiles = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith('.v8cache')) : []);

test('the first start writes the code cache (private to this user), the next start loads it', async () => {
  const dir = path.join(root, 'fresh');
  expect(await startOnce(dir)).toEqual({ from: 'bundle', codeCache: 'absent' });
  const [file] = cacheFiles(dir);
  expect(file).toBeDefined();
  expect(fs.statSync(dir).mode & 0o077).toBe(0);
  expect(fs.statSync(path.join(dir, file!)).mode & 0o077).toBe(0);
  expect(await startOnce(dir)).toEqual({ from: 'bundle', codeCache: 'accepted' });
  expect(cacheFiles(dir)).toEqual([file]);
});

test('a cache V8 refuses (corrupt, or another Node build) is replaced, and the start still succeeds', async () => {
  const dir = path.join(root, 'corrupt');
  await startOnce(dir);
  const [file] = cacheFiles(dir);
  fs.writeFileSync(path.join(dir, file!), Buffer.alloc(4096, 0x5a));
  expect(await startOnce(dir)).toEqual({ from: 'bundle', codeCache: 'rejected' });
  expect(await startOnce(dir)).toEqual({ from: 'bundle', codeCache: 'accepted' });
});

test('a cache directory that others may write into is not used: nothing is read from it or written to it', async () => {
  const dir = path.join(root, 'shared');
  fs.mkdirSync(dir, { mode: 0o777 });
  fs.chmodSync(dir, 0o777);
  expect(await startOnce(dir)).toEqual({ from: 'bundle', codeCache: 'unavailable' });
  expect(cacheFiles(dir)).toEqual([]);
});

test('POSTGRES_PLUGIN_CODE_CACHE=off compiles every start and writes nothing', async () => {
  const before = fs.readdirSync(root).sort();
  expect(await startOnce('off')).toEqual({ from: 'bundle', codeCache: 'off' });
  expect(fs.readdirSync(root).sort()).toEqual(before);
});

test('a bundle older than the executable (tsc ran after the last npm run build) is not run: the worker runs its modules', async () => {
  // A copy of the build (inside dist/, so node_modules resolve as they do for the build itself).
  const copy = fs.mkdtempSync(path.join(__dirname, '..', '..', 'dist', '.stale-bundle-test-'));
  try {
    fs.copyFileSync(path.join(__dirname, '..', '..', 'package.json'), path.join(copy, 'package.json'));
    for (const dir of ['worker', 'shared']) fs.cpSync(path.join(__dirname, '..', '..', 'dist', dir), path.join(copy, 'dist', dir), { recursive: true });
    const main = path.join(copy, 'dist', 'worker', 'main.js');
    const bundle = path.join(copy, 'dist', 'worker', 'program.bundle.js');
    const [earlier, later] = [new Date(Date.now() - 60_000), new Date()];
    // As npm run build leaves them: the bundle made after tsc wrote main.js.
    fs.utimesSync(main, earlier, earlier);
    fs.utimesSync(bundle, later, later);
    expect(await startOnce(path.join(root, 'copy'), main)).toEqual({ from: 'bundle', codeCache: 'absent' });
    // tsc alone ran since: main.js is newer than the bundle.
    fs.utimesSync(main, later, later);
    fs.utimesSync(bundle, earlier, earlier);
    expect(await startOnce(path.join(root, 'copy'), main)).toEqual({ from: 'modules', codeCache: 'off' });
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
});
