import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { PluginManagerOptions } from '../host/plugin-manager';

/** What `PluginsModule.forRoot(pluginsDir, options)` and `forRootAsync`'s factory give: `PluginManager`'s options. */
export type PluginsModuleOptions = PluginManagerOptions;

/**
 * The module's options provider and its `forRoot` / `forRootAsync` (`useFactory`, `inject`, `imports`,
 * `useClass`, `useExisting`), with `isGlobal` (default false) as Nest's configurable modules have it.
 */
export const {
  ConfigurableModuleClass: ConfigurablePluginsModule,
  MODULE_OPTIONS_TOKEN: PLUGINS_MODULE_OPTIONS,
  OPTIONS_TYPE: PLUGINS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: PLUGINS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<PluginsModuleOptions>({ moduleName: 'Plugins' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
