import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * The package as a consumer gets it: `npm pack` of the built tree (npm test
 * builds first), its contents checked, then installed into an empty folder
 * and the README's first example run from there as ESM and as CommonJS, and
 * type-checked against the shipped declarations.
 *
 * Installing without the network: the tarball is unpacked into the folder's
 * node_modules/postgres-plugin, and each of its declared `dependencies` is
 * linked to the copy `npm ci` already installed here. Only what the packed
 * package.json declares is linked, so a dependency it forgot to declare
 * fails to resolve, as it would for a consumer.
 */

const ROOT = path.resolve(__dirname, '../..');
const NODE_MODULES = path.join(ROOT, 'node_modules');

interface PackedFile {
  path: string;
}

let tmp: string;
let app: string;
let files: string[];
let manifest: {
  private?: boolean;
  engines?: { node?: string };
  bin?: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  dependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
let db: TestDatabase;

beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) throw new Error('dist/ is not built: run `npm run build` (npm test does) before this suite');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'postgres-plugin-packed-'));
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as {
    filename: string;
    files: PackedFile[];
  }[];
  files = packed!.files.map((f) => f.path).sort();

  app = path.join(tmp, 'app');
  const modules = path.join(app, 'node_modules');
  fs.mkdirSync(modules, { recursive: true });
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  execFileSync('tar', ['-xzf', path.join(tmp, path.basename(packed!.filename)), '-C', modules]);
  fs.renameSync(path.join(modules, 'package'), path.join(modules, 'postgres-plugin'));
  manifest = JSON.parse(fs.readFileSync(path.join(modules, 'postgres-plugin', 'package.json'), 'utf8'));
  // What a consumer's own install provides: the declared dependencies, and @types/node for its compiler.
  for (const dep of [...Object.keys(manifest.dependencies), '@types/node']) {
    fs.mkdirSync(path.dirname(path.join(modules, dep)), { recursive: true });
    fs.symlinkSync(path.join(NODE_MODULES, dep), path.join(modules, dep), 'dir');
  }

  db = await createTestDatabase('packed');
  await db.admin.query("CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL); INSERT INTO users VALUES (123, 'Ada Lovelace')");
});

afterAll(async () => {
  await db?.drop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the tarball holds the built package, its declarations and docs: no tests, no TypeScript sources, no source maps, no dev scripts', () => {
  for (const needed of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/worker/main.js', 'dist/worker/program.bundle.js', 'dist/plugin-worker/main.js', 'docs/plugin-api.md']) {
    expect(files).toContain(needed);
  }
  const unwanted = files.filter((f) => /^(test|scripts|examples|host|worker|shared|nestjs|plugin-worker)\//.test(f) || /^dist\/(scripts|examples)\//.test(f) || f.endsWith('.map') || (f.endsWith('.ts') && !f.endsWith('.d.ts')) || /tsconfig|jest\.config/.test(f));
  expect(unwanted).toEqual([]);
  // Every .js of the package ships with its declarations, but the worker's bundle: main.js runs it, nothing imports it.
  const missingTypes = files.filter((f) => f.startsWith('dist/') && f.endsWith('.js') && f !== 'dist/worker/program.bundle.js' && !files.includes(f.replace(/\.js$/, '.d.ts')));
  expect(missingTypes).toEqual([]);
});

test('package.json: publishable, engines, the worker bin, and exports with types for every entry point, each present in the tarball', () => {
  expect(manifest.private).toBeUndefined();
  expect(manifest.engines?.node).toBe('>=20');
  expect(manifest.bin).toEqual({ 'postgres-plugin-worker': 'dist/worker/main.js' });
  expect(Object.keys(manifest.exports).sort()).toEqual(['.', './host', './nestjs', './nestjs/health', './package.json']);
  for (const [entry, target] of Object.entries(manifest.exports)) {
    if (entry === './package.json') continue;
    expect(target).toEqual({ types: expect.stringMatching(/\.d\.ts$/), default: expect.stringMatching(/\.js$/) });
    const { types, default: js } = target as { types: string; default: string };
    expect(files).toContain(types.replace(/^\.\//, ''));
    expect(files).toContain(js.replace(/^\.\//, ''));
  }
  // NestJS stays optional: a consumer of the host library installs none of it.
  expect(Object.keys(manifest.dependencies).filter((d) => d.startsWith('@nestjs/') || d === 'rxjs')).toEqual([]);
});

/** The README's first TypeScript example, as it stands in README.md. */
function readmeFirstExample(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it from TypeScript'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md has no TypeScript example under "Use it from TypeScript"');
  return block[1]!;
}

/** The example with its config pointed at the test database (the README's points at localhost:5432). */
function runnable(example: string): string {
  const withConfig = example.replace(/^const config = .*;$/m, 'const config = JSON.parse(process.env.EXAMPLE_CONFIG);');
  expect(withConfig).not.toBe(example);
  return withConfig;
}

function run(file: string): string {
  return execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8', env: { ...process.env, EXAMPLE_CONFIG: JSON.stringify(db.config) }, timeout: 30_000 });
}

test("the README's first example runs from the installed tarball as ESM", () => {
  fs.writeFileSync(path.join(app, 'example.mjs'), runnable(readmeFirstExample()));
  const out = run('example.mjs');
  expect(out).toContain("id: 123");
  expect(out).toContain("'Ada Lovelace'");
});

test("the README's first example runs from the installed tarball as CommonJS", () => {
  const esm = runnable(readmeFirstExample());
  const cjs = esm.replace(/^import \{ (\w+) \} from '([^']+)';$/m, "const { $1 } = require('$2');");
  expect(cjs).not.toBe(esm);
  fs.writeFileSync(path.join(app, 'example.cjs'), `(async () => {\n${cjs}\n})().catch((e) => { console.error(e); process.exit(1); });\n`);
  const out = run('example.cjs');
  expect(out).toContain("id: 123");
  expect(out).toContain("'Ada Lovelace'");
});

test("the README's first example type-checks against the shipped declarations (ESM and CommonJS consumers, full library check)", () => {
  const example = readmeFirstExample();
  fs.writeFileSync(path.join(app, 'example.mts'), example);
  fs.writeFileSync(path.join(app, 'example.cts'), `import { PostgresPlugin } from 'postgres-plugin';\nimport type { QueryResult } from 'postgres-plugin/host';\nexport async function cjs(): Promise<QueryResult> {\n  const plugin = new PostgresPlugin({ config: { host: 'localhost' } });\n  return plugin.query('SELECT 1');\n}\n`);
  fs.writeFileSync(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['example.mts', 'example.cts'] }),
  );
  const tsc = path.join(NODE_MODULES, 'typescript', 'bin', 'tsc');
  let output = '';
  try {
    output = execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
  } catch (error) {
    output = (error as { stdout?: string }).stdout ?? String(error);
  }
  expect(output).toBe('');
  // The compiler checks every declaration file reached (skipLibCheck off): the slowest step, given room on a busy machine.
}, 180_000);
