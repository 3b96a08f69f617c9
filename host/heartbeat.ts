import { PluginErrorCode } from '../shared/error-codes';
import type { PluginError } from '../shared/plugin-error';
import { Method } from '../shared/protocol';
import { memoryReading, type MemoryReading } from './crash-report';
import type { WorkerProcess } from './worker-process';

/**
 * The liveness probe of one worker: a `$/heartbeat` every `intervalMs`; an
 * answer later than `timeoutMs` means its event loop is stuck. Each answer
 * carries the worker's memory, kept as the last reading for a crash report.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  /** The worker's memory at its last answer. */
  lastReading: MemoryReading | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
  ) {}

  start(worker: WorkerProcess, onUnresponsive: () => void): void {
    this.stop();
    this.lastReading = undefined;
    this.timer = setInterval(() => {
      worker.request(Method.heartbeat, null, { deadlineMs: this.timeoutMs }).then(
        (answer) => {
          this.lastReading = memoryReading(answer) ?? this.lastReading;
        },
        (error: PluginError) => {
          if (error.code === PluginErrorCode.QUERY_TIMEOUT && !worker.exited) onUnresponsive();
        },
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
