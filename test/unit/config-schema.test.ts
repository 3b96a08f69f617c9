import { normalizeConfig, pluginConfigSchema } from '../../shared/config-schema';
import { CONFIG_DEFAULTS } from '../../shared/config-defaults';
import { configFingerprint } from '../../shared/config-fingerprint';
import { parseOrThrow } from '../../shared/validation';
import { PluginError } from '../../shared/plugin-error';

const parse = (config: unknown) => normalizeConfig(parseOrThrow(pluginConfigSchema, config, 'config'));

function issues(config: unknown): { path: string; message: string }[] {
  try {
    parse(config);
  } catch (error) {
    expect(error).toBeInstanceOf(PluginError);
    return (error as PluginError).details.issues as { path: string; message: string }[];
  }
  throw new Error('expected the config to be refused');
}

test('the flat shape normalises with defaults', () => {
  const c = parse({ host: 'db', port: 5433, database: 'app', user: 'u', password: 'p', ssl: true, max: 4, idleTimeoutMillis: 1000, connectionTimeoutMillis: 2000 });
  expect(c.connection).toEqual({ host: 'db', port: 5433, database: 'app', user: 'u', password: 'p', ssl: true, applicationName: 'postgres-plugin' });
  expect(c.pool).toEqual({ max: 4, min: 0, idleTimeoutMillis: 1000, connectionTimeoutMillis: 2000, allowExitOnIdle: true });
  expect(c.options).toEqual(CONFIG_DEFAULTS.options);
  expect(c.logging).toEqual(CONFIG_DEFAULTS.logging);
});

test('the nested shape normalises to the same thing', () => {
  const flat = parse({ host: 'db', port: 5433, database: 'app', user: 'u', password: 'p', max: 4 });
  const nested = parse({ connection: { host: 'db', port: 5433, database: 'app', user: 'u', password: 'p' }, pool: { max: 4 } });
  expect(nested).toEqual(flat);
  expect(configFingerprint(nested)).toBe(configFingerprint(flat));
});

test('nested options and logging override defaults key by key', () => {
  const c = parse({
    connectionString: 'postgres://u:p@h/db',
    pool: { max: 20, min: 2, maxUses: 1000, allowExitOnIdle: false },
    options: { preparedStatements: false, queryTimeout: 5000 },
    logging: { level: 'debug', logQueries: true },
  });
  expect(c.connection.connectionString).toBe('postgres://u:p@h/db');
  expect(c.pool).toMatchObject({ max: 20, min: 2, maxUses: 1000, allowExitOnIdle: false });
  expect(c.options).toEqual({ ...CONFIG_DEFAULTS.options, preparedStatements: false, queryTimeout: 5000 });
  expect(c.logging).toEqual({ ...CONFIG_DEFAULTS.logging, level: 'debug', logQueries: true });
});

test('unknown keys are refused by name, at every level', () => {
  expect(issues({ host: 'h', hots: 'x', pool: { maxConnections: 3 }, options: { retry: true } })).toEqual(
    expect.arrayContaining([
      { path: 'config.hots', message: "unknown key 'hots'" },
      { path: 'config.pool.maxConnections', message: "unknown key 'maxConnections'" },
      { path: 'config.options.retry', message: "unknown key 'retry'" },
    ]),
  );
});

test('bad values name their path', () => {
  expect(issues({ port: 70000 })[0]!.path).toBe('config.port');
  expect(issues({ pool: { max: 0 } })[0]!.path).toBe('config.pool.max');
  expect(issues({ ssl: { rejectUnauthorized: 'yes' } })[0]!.path).toBe('config.ssl.rejectUnauthorized');
  expect(issues({ logging: { level: 'loud' } })[0]!.path).toBe('config.logging.level');
});

test('the same setting given flat and nested is refused, not guessed', () => {
  expect(issues({ host: 'a', connection: { host: 'b' } })).toEqual([{ path: 'config.host', message: "given both as 'host' and 'connection.host'" }]);
  expect(issues({ max: 3, pool: { max: 4 } })[0]!.path).toBe('config.max');
  expect(issues({ pool: { max: 2, min: 3 } })).toEqual([{ path: 'config.pool.min', message: 'must not exceed pool.max (2)' }]);
});

test('fingerprints ignore key order and see real changes', () => {
  expect(configFingerprint({ a: 1, b: { c: 2, d: 3 } })).toBe(configFingerprint({ b: { d: 3, c: 2 }, a: 1 }));
  expect(configFingerprint({ a: 1 })).not.toBe(configFingerprint({ a: 2 }));
});
