import type { PluginManager } from '../../host';
import type { PluginConfig } from '../../shared/config-schema';
import { PostgresPlugin } from '../../worker/postgres-plugin';
import type { OwnServer } from './own-server';
import { createTestDatabase, type TestDatabase } from './test-database';

/** What a suite needs besides its own database. */
export interface SuiteOptions {
  /** Makes the suite's PluginManager: `quietManager`, `() => faultyManager({ … })`, … */
  manager?: () => PluginManager;
  /** An in-process PostgresPlugin on the database, configured with these keys over `db.config` (`{}`: db.config as it is). */
  plugin?: PluginConfig;
}

/** The database, and the manager and plugin exactly when the options asked for them. */
export type OpenedSuite<O extends SuiteOptions> = { db: TestDatabase } & (O extends { manager: () => PluginManager } ? { plugins: PluginManager } : unknown) &
  (O extends { plugin: PluginConfig } ? { plugin: PostgresPlugin } : unknown);

/**
 * A suite's beforeAll: a fresh database named after `prefix` on the run's
 * server, then the suite's PluginManager and in-process PostgresPlugin if
 * `options` asks for them. {@link closeSuite} ends them again.
 */
export async function openSuite<O extends SuiteOptions = Record<never, never>>(prefix: string, options: O = {} as O): Promise<OpenedSuite<O>> {
  const db = await createTestDatabase(prefix);
  const plugins = options.manager?.();
  const plugin = options.plugin && new PostgresPlugin({ config: { ...db.config, ...options.plugin } });
  return { db, plugins, plugin } as unknown as OpenedSuite<O>;
}

/** What a suite's afterAll ends; a part its beforeAll never got to make is skipped. */
export interface SuiteParts {
  plugin?: { disconnect(): Promise<unknown> };
  plugins?: PluginManager;
  server?: OwnServer;
  db?: TestDatabase;
}

/**
 * A suite's afterAll, in dependency order: the in-process plugin disconnects,
 * the manager shuts its workers down, then the suite's own server stops and
 * its database is dropped (with any sessions left on it).
 */
export async function closeSuite({ plugin, plugins, server, db }: SuiteParts): Promise<void> {
  await plugin?.disconnect();
  await plugins?.shutdown();
  await server?.stop();
  await db?.drop();
}
