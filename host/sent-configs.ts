/**
 * What a supervisor's worker has been told of each instance's config: the
 * text it was last sent in the current worker (a call carries its config
 * only when that text changed), and the config each instance was last given
 * across workers (to ask about a transaction's outcome after a restart).
 */
export class SentConfigs {
  private readonly texts = new Map<string, string>();
  private readonly objects = new Map<string, Record<string, unknown>>();

  /** The text of `config` when the current worker lacks it (the call must carry it; it counts as sent from now), else undefined. */
  toSend(instanceId: string, config: Record<string, unknown> | undefined): string | undefined {
    if (config === undefined) return undefined;
    const text = JSON.stringify(config);
    if (this.texts.get(instanceId) === text) return undefined;
    this.texts.set(instanceId, text);
    this.objects.set(instanceId, config);
    return text;
  }

  /** The call that carried `text` failed (the worker may have refused it): it is sent again next time, unless a later call sent another. */
  refused(instanceId: string, text: string): void {
    if (this.texts.get(instanceId) === text) this.texts.delete(instanceId);
  }

  /** The config `instanceId` was last given, in any worker. */
  last(instanceId: string): Record<string, unknown> | undefined {
    return this.objects.get(instanceId);
  }

  /** A new worker knows no config. */
  forgetTexts(): void {
    this.texts.clear();
  }
}
