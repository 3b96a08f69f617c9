import { PostgresPlugin } from '../../worker/postgres-plugin';

/** Runs `body` with an in-process PostgresPlugin made from `context`, and disconnects it afterwards, whatever happened. */
export async function withPlugin<T>(context: NonNullable<ConstructorParameters<typeof PostgresPlugin>[0]>, body: (plugin: PostgresPlugin) => Promise<T>): Promise<T> {
  const plugin = new PostgresPlugin(context);
  try {
    return await body(plugin);
  } finally {
    await plugin.disconnect();
  }
}
