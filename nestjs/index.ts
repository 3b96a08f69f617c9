/**
 * postgres-plugin/nestjs: the plugin system for NestJS applications. Needs the
 * peer dependencies `@nestjs/common`, `@nestjs/core`, `reflect-metadata` and `rxjs`.
 */
export { PluginsModule } from './plugins.module';
export { PluginManagerService, type PluginWorkerEvent, type WorkerStatus } from './plugin-manager.service';
export { PLUGINS_MODULE_OPTIONS, type PluginsModuleOptions } from './plugins-module-definition';
export type { PluginLoadReport } from '../host/plugin-catalog';
export type { DiscoveredPlugin, PluginProblem } from '../host/plugin-discovery';
export type { PluginResult } from '../host/envelope';
export type { OperationName } from '../shared/operation-params';
export type { AnyOperationParams, OperationParams, OperationResult, OperationResults } from '../shared/operation-types';
export type { PluginConfig } from '../shared/config-schema';
export type { InstanceStateEvent, ExecuteOptions } from '../host/plugin-manager';
export { ErrorCodes, PluginErrorCode } from '../shared/error-codes';
export { GenericErrorCode } from '../shared/generic-plugin-errors';
