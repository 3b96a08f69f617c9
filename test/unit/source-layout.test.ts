import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The house rules of docs/architecture.md, checked on the source itself: no
 * import circle, imports only in the allowed directions, worker/'s top level
 * holds the entry, the facade and rooms, no source file past 300 lines, pg's
 * internals reached from one file. Imports are read by TypeScript's own
 * pre-processor, type-only imports included.
 */

const ROOT = path.resolve(__dirname, '../..');
const SOURCE_DIRS = ['shared', 'worker', 'host', 'plugin-worker', 'nestjs', 'scripts', 'examples'];

function sourceFiles(dir: string, ending = /\.(ts|mjs)$/): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    // An example's own tests are tests, not source; its plugins/ folder holds no source of this repository.
    if (entry.isDirectory() && dir.startsWith('examples') && (entry.name === 'test' || entry.name === 'plugins')) continue;
    if (entry.isDirectory()) out.push(...sourceFiles(rel, ending));
    else if (ending.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

const files = [...SOURCE_DIRS.flatMap((dir) => sourceFiles(dir)), 'index.ts'];

/** Relative imports of a file, resolved to repository paths. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const info = ts.preProcessFile(text, true, true);
  const out: string[] = [];
  for (const ref of info.importedFiles) {
    if (!ref.fileName.startsWith('.')) continue;
    const base = path.join(path.dirname(file), ref.fileName);
    const resolved = [`${base}.ts`, path.join(base, 'index.ts'), base].find((candidate) => files.includes(candidate));
    if (resolved) out.push(resolved);
  }
  return out;
}

const graph = new Map(files.map((file) => [file, importsOf(file)]));

/** Every cycle's path, found by depth-first search. */
function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return found;
}

test('no import circle in the source', () => {
  expect(graph.size).toBeGreaterThan(50);
  expect(cycles()).toEqual([]);
});

test('shared/ imports neither host/ nor worker/; host/ and worker/ never import each other; host/ never imports pg', () => {
  const wrong: string[] = [];
  for (const [file, imports] of graph) {
    const top = file.split(path.sep)[0];
    for (const target of imports) {
      const targetTop = target.split(path.sep)[0];
      if (top === 'shared' && (targetTop === 'host' || targetTop === 'worker')) wrong.push(`${file} → ${target}`);
      if ((top === 'host' && targetTop === 'worker') || (top === 'worker' && targetTop === 'host')) wrong.push(`${file} → ${target}`);
    }
    if (top === 'host') {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      if (ts.preProcessFile(text, true, true).importedFiles.some((ref) => ref.fileName === 'pg' || ref.fileName.startsWith('pg-'))) wrong.push(`${file} → pg`);
    }
  }
  expect(wrong).toEqual([]);
});

test('plugin-worker/ imports only shared/ (and host/ never imports it); nestjs/ never imports worker/ or plugin-worker/; an example imports its own files, scripts/ and the package by its name', () => {
  const wrong: string[] = [];
  for (const [file, imports] of graph) {
    const top = file.split(path.sep)[0];
    for (const target of imports) {
      const targetTop = target.split(path.sep)[0]!;
      if (top === 'plugin-worker' && !['shared', 'plugin-worker'].includes(targetTop)) wrong.push(`${file} → ${target}`);
      if ((top === 'nestjs' || top === 'host') && ['worker', 'plugin-worker'].includes(targetTop)) wrong.push(`${file} → ${target}`);
      if (top === 'examples' && !target.startsWith(path.dirname(file).split(path.sep).slice(0, 2).join(path.sep)) && targetTop !== 'scripts') wrong.push(`${file} → ${target}`);
    }
  }
  expect(wrong).toEqual([]);
});

test("worker/'s top level holds only the entry, the facade and rooms", () => {
  const files = fs.readdirSync(path.join(ROOT, 'worker'), { withFileTypes: true }).filter((e) => !e.isDirectory()).map((e) => e.name);
  expect(files.sort()).toEqual(['main.ts', 'postgres-plugin.ts']);
});

test('no source file is over 300 lines', () => {
  const long = files
    .map((file) => ({ file, lines: fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n').length - 1 }))
    .filter((f) => f.lines > 300);
  expect(long).toEqual([]);
});

test("`as unknown as` appears only in the adapter of pg's internals", () => {
  const users = files.filter((file) => fs.readFileSync(path.join(ROOT, file), 'utf8').includes('as unknown as'));
  expect(users).toEqual([path.join('worker', 'connection', 'pg-internals.ts')]);
});

test('no reference to a design document outside the repository', () => {
  const everywhere = [...files, ...sourceFiles('test', /\.(ts|mjs|js)$/), ...fs.readdirSync(path.join(ROOT, 'docs')).map((f) => path.join('docs', f)), 'README.md'];
  const mark = ['DESIGN', '§'].join(' ');
  expect(everywhere.filter((file) => fs.readFileSync(path.join(ROOT, file), 'utf8').includes(mark))).toEqual([]);
});
