// `npm run build`, after tsc: bundles the worker program (dist/worker/runtime/worker-program.js and
// everything it requires, the parts it loads on first use included) into one file,
// dist/worker/program.bundle.js, which dist/worker/main.js runs through V8's code
// cache (worker/runtime/program-loader.ts). One file instead of some 300 to resolve,
// read and compile is most of a cold start. Kept out: what loads files by path at
// run time (libpg-query's WASM, piscina's thread entry) and pg's optional native
// and Cloudflare bindings.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [path.join(ROOT, 'dist', 'worker', 'runtime', 'worker-program.js')],
  outfile: path.join(ROOT, 'dist', 'worker', 'program.bundle.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['libpg-query', 'piscina', 'pg-native', 'pg-cloudflare'],
  sourcemap: true,
  logLevel: 'warning',
});
