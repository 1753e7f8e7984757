/**
 * Delivery of `XdsCallbacks` for a stream: observers must not break the protocol, but their
 * failures must be seen (reported to `onCallbackError`, by default on stderr).
 */
import type { StreamInfo, XdsCallbacks, XdsServerOptions } from './types.js';

interface Observers {
  readonly callbacks: Partial<XdsCallbacks>;
  readonly options: Pick<XdsServerOptions, 'onCallbackError'>;
}

export function emitTo(env: Observers, stream: StreamInfo, name: keyof XdsCallbacks, args: readonly unknown[]): void {
  const fn = env.callbacks[name] as ((s: StreamInfo, ...a: unknown[]) => void) | undefined;
  if (!fn) return;
  try {
    fn(stream, ...args);
  } catch (err) {
    const report = env.options.onCallbackError ?? ((n: string, e: unknown) => process.stderr.write(`weft: xDS callback ${n} failed: ${(e as Error).stack ?? e}\n`));
    report(name, err);
  }
}
