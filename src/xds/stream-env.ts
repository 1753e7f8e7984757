/**
 * What every stream of a server shares (its environment), and delivery of `XdsCallbacks`:
 * observers must not break the protocol, but their failures must be seen (reported to
 * `onCallbackError`, by default on stderr).
 */
import type { ResourceTypeUrl } from '../../proto/type-urls.js';
import type { SnapshotCache } from './cache.js';
import type { XdsLimits } from './limits.js';
import type { Clock } from './transport.js';
import type { StreamInfo, XdsCallbacks, XdsServerOptions } from './types.js';

export interface StreamEnv {
  readonly cache: SnapshotCache;
  readonly options: XdsServerOptions;
  readonly callbacks: Partial<XdsCallbacks>;
  readonly maxBytes: number;
  readonly limits: XdsLimits;
  readonly clock: Clock;
  /** Longest a listener or route update waits for its clusters to warm (warming.ts). */
  readonly warmingHoldMs: number;
  readonly controlPlane: Buffer;
  onClose(stream: OpenStream): void;
}

/** A stream as its server holds it, whatever its protocol. */
export interface OpenStream extends StreamInfo {
  end(message?: string): void;
  settled(): Promise<void>;
}

export interface StreamKind {
  readonly service: string;
  /** Per-type services serve exactly one type. */
  readonly fixedType?: ResourceTypeUrl;
}

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
