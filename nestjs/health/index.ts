/** postgres-plugin/nestjs/health: a `@nestjs/terminus` health indicator (needs the peer dependency `@nestjs/terminus` 11). */
export { PluginsHealthIndicator, type PingTarget } from './plugins-health-indicator';
