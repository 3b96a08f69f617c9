/**
 * A worker answers `initialize` with only the protocol loaded
 * (worker/rpc/deferred-modules.ts): loading the RPC server must not load pg,
 * the SQL grammar, piscina or the operations; the deferred loaders do.
 */
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
