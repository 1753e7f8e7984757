/**
 * Per-port mTLS modes as the builders read them (policy/mtls.ts decides precedence):
 * - `portModes`: the effective mode of each port of one service, the value a builder keys on;
 * - `chainMtls`: the mode an inbound chain serves (absent on the chain = the Mesh default).
 * Callers originate mTLS to a `strict` or `permissive` port and plaintext to a `disabled` one.
 */
import { effectiveMtls, type MtlsMode, type MtlsSettings } from '../model/index.js';
import type { IrInbound, IrInboundChain } from './ir.js';

/** What the builders read of the policy's mTLS settings: the Mesh mode and the MtlsPolicies. */
export interface MtlsInput {
  readonly mesh: { readonly mtls: MtlsMode };
  readonly mtls?: MtlsSettings['mtls'];
}

export function mtlsInput(policy: MtlsSettings): MtlsInput {
  return { mesh: { mtls: policy.mesh.mtls }, ...(policy.mtls ? { mtls: policy.mtls } : {}) };
}

/** Service port -> effective mode, ascending ports. */
export type PortModes = ReadonlyMap<number, MtlsMode>;

export function portModes(m: MtlsInput, service: { readonly key: string; readonly namespace: string; readonly ports: readonly { readonly port: number }[] }): PortModes {
  return new Map(service.ports.map((p) => [p.port, effectiveMtls(m, service, p.port).mode] as const).sort(([a], [b]) => a - b));
}

export function chainMtls(inbound: Pick<IrInbound, 'mtls'>, c: Pick<IrInboundChain, 'mtls'>): MtlsMode {
  return c.mtls ?? inbound.mtls;
}
