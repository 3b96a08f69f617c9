/**
 * A worker answers `initialize` with only the protocol loaded
 * (worker/rpc/deferred-modules.ts): loading the RPC server must not load pg,
 * the SQL grammar, piscina or the operations; the deferred loaders do, without
 * pg's Cloudflare probe loading Node's fetch (undici).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const HEAVY = [`${path.sep}node_modules${path.sep}pg${path.sep}`, `${path.sep}libpg-query${path.sep}`, `${path.sep}piscina${path.sep}`, `${path.sep}worker${path.sep}operations${path.sep}`];
const loadedHeavy = (): string[] => Object.keys(require.cache).filter((file) => HEAVY.some((part) => file.includes(part)));

test('loading the RPC server loads neither pg, the grammar, piscina nor the operations; the deferred loaders load them on first use', () => {
  jest.isolateModules(() => {
    require('../../worker/rpc/rpc-server');
    expect(loadedHeavy()).toEqual([]);
    const { deferred } = require('../../worker/rpc/deferred-modules') as typeof import('../../worker/rpc/deferred-modules');
    expect(deferred.registry.loaded).toBe(false);
    expect(typeof deferred.registry()).toBe('function');
    expect(typeof deferred.operations().query.run).toBe('function');
    expect(deferred.registry.loaded).toBe(true);
    expect(loadedHeavy().some((file) => file.includes(`${path.sep}pg${path.sep}`))).toBe(true);
  });
});

test("loading the instance registry (pg) does not load Node's fetch implementation, and leaves the Response global as it was", () => {
  // A fresh process: jest's environment has touched the fetch globals already.
  const script = `
    const { deferred } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist', 'worker', 'rpc', 'deferred-modules.js'))});
    const before = Object.getOwnPropertyDescriptor(globalThis, 'Response');
    deferred.registry();
    const after = Object.getOwnPropertyDescriptor(globalThis, 'Response');
    const undici = process.moduleLoadList.filter((m) => m.includes('undici'));
    process.stdout.write(JSON.stringify({ undici, sameDescriptor: before.get === after.get && before.set === after.set, response: typeof Response }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { undici: string[]; sameDescriptor: boolean; response: string };
  expect(out).toEqual({ undici: [], sameDescriptor: true, response: 'function' });
});
