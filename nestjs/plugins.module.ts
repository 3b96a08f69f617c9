import { Module, type DynamicModule } from '@nestjs/common';
import { PluginManagerService } from './plugin-manager.service';
import { ConfigurablePluginsModule, PLUGINS_ASYNC_OPTIONS_TYPE, PLUGINS_OPTIONS_TYPE } from './plugins-module-definition';

/**
 * The plugin system as a Nest module: `PluginsModule.forRoot('./plugins')`
 * scans the folder (relative to the working directory) and provides
 * `PluginManagerService`.
 *
 * ```ts
 * @Module({ imports: [PluginsModule.forRoot('./plugins', { isGlobal: true })] })
 * export class AppModule {}
 *
 * PluginsModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ pluginsDir: config.get('PLUGINS_DIR'), isolation: 'tenant' }),
 * });
 * ```
 */
@Module({ providers: [PluginManagerService], exports: [PluginManagerService] })
export class PluginsModule {
  /** `pluginsDir`, then `PluginManager`'s options and `isGlobal`. */
  static forRoot(pluginsDir: string, options: Omit<typeof PLUGINS_OPTIONS_TYPE, 'pluginsDir'> = {}): DynamicModule {
    return { ...ConfigurablePluginsModule.forRoot({ ...options, pluginsDir }), module: PluginsModule };
  }

  /** Options from a factory (`useFactory` + `inject` + `imports`), a class (`useClass`) or an existing provider (`useExisting`). */
  static forRootAsync(options: typeof PLUGINS_ASYNC_OPTIONS_TYPE): DynamicModule {
    return { ...ConfigurablePluginsModule.forRootAsync(options), module: PluginsModule };
  }
}
