/**
 * `Svid`: one issued X.509-SVID with its private key. Immutable. The key is only reachable through
 * `keyPem` (a prototype getter, so spreading or `Object.keys` never copies it), and printing the
 * object in any way (`JSON.stringify`, `util.inspect`, `console.log`) shows it redacted.
 */
import { inspect } from 'node:util';
import type { SecretKey } from './keys.js';

export interface SvidInit {
  readonly spiffeId: string;
  readonly certPem: string;
  readonly chainPem: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly serial: string;
  readonly key: SecretKey;
}

export class Svid {
  /** The URI SAN, e.g. `spiffe://cluster.local/ns/default/sa/web`. */
  readonly spiffeId: string;
  /** The leaf certificate alone. Envoy's `certificate_chain` is `certPem + chainPem`. */
  readonly certPem: string;
  /** Intermediates between the leaf and the root (empty when the root signs directly). */
  readonly chainPem: string;
  /** Validity in epoch milliseconds (second precision, as encoded). */
  readonly notBefore: number;
  readonly notAfter: number;
  /** Serial number, lowercase hex. */
  readonly serial: string;
  readonly #key: SecretKey;

  constructor(init: SvidInit) {
    this.spiffeId = init.spiffeId;
    this.certPem = init.certPem;
    this.chainPem = init.chainPem;
    this.notBefore = init.notBefore;
    this.notAfter = init.notAfter;
    this.serial = init.serial;
    this.#key = init.key;
  }

  /** PKCS#8 PEM of the private key. Hand it only to its consumer (SDS); never log it. */
  get keyPem(): string {
    return this.#key.revealPem();
  }

  /** The public, loggable view. */
  toJSON(): Record<string, unknown> {
    return {
      spiffeId: this.spiffeId,
      serial: this.serial,
      notBefore: new Date(this.notBefore).toISOString(),
      notAfter: new Date(this.notAfter).toISOString(),
      key: '[REDACTED private key]',
    };
  }

  [inspect.custom](): string {
    return `Svid ${JSON.stringify(this.toJSON())}`;
  }
}
