import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { PluginManagerService } from '../plugin-manager.service';

/** An instance whose `ping` the health check runs; its config is sent if its worker lacks it (after a restart). */
export interface PingTarget {
  pluginName?: string;
  instanceId: string;
  config?: Record<string, unknown>;
  /** ms; default 2000. */
  timeout?: number;
}

/**
 * A `@nestjs/terminus` health indicator for the plugin system: `down` when a
 * worker's circuit is open (restarts exhausted) or an instance's `ping`
 * fails; the details list each worker (pid, circuit), each ping and the
 * plugins that failed to load at startup.
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() {
 *   return this.health.check([() => this.plugins.isHealthy('plugins', [{ instanceId: 'app:main', config }])]);
 * }
 * ```
 */
@Injectable()
export class PluginsHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly manager: PluginManagerService,
  ) {}

  async isHealthy<const Key extends string>(key: Key, ping: readonly PingTarget[] = []): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.indicators.check(key);
    const workers = this.manager.workerStatus();
    const instances = await Promise.all(
      ping.map(async (target) => {
        const pluginName = target.pluginName ?? 'postgres-plugin';
        const res = await this.manager.executePlugin(pluginName, target.instanceId, target.config, 'ping', { timeout: target.timeout ?? 2_000 });
        return { pluginName, instanceId: target.instanceId, up: res.success && res.data === true, ...(res.success ? {} : { error: res.error.code }) };
      }),
    );
    const problems = this.manager.loadReport.problems.map((p) => ({ path: p.path, ...(p.name ? { name: p.name } : {}), reason: p.reason }));
    const data = { workers, instances, problems };
    const healthy = workers.every((w) => w.circuit === 'closed') && instances.every((i) => i.up);
    return healthy ? indicator.up(data) : indicator.down(data);
  }
}
