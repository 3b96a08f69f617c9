import { PluginError } from '../../shared/plugin-error';

/** Awaits a promise that must reject with a PluginError, and returns that error. */
export async function rejection(promise: Promise<unknown>): Promise<PluginError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PluginError);
    return error as PluginError;
  }
  throw new Error('expected a rejection');
}
