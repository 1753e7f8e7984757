import { describe, expect, it } from 'vitest';
import { DeltaField, SotwField, WireWriter, encodeControlPlane, withNonce } from '../../src/xds/wire.js';

/** The two-step form `withNonce` replaces: the tail written on its own, then joined to the body. */
function joined(body: Uint8Array, nonceField: number, nonce: string, cpField: number, cp: Uint8Array): Buffer {
  return Buffer.concat([body, new WireWriter().string(nonceField, nonce).bytes(cpField, cp).finish()]);
}

describe('withNonce', () => {
  const bodies = [Buffer.alloc(0), Buffer.from([0x0a, 0x01, 0x31]), Buffer.alloc(70_000, 7)];
  const nonces = ['1', '4294967296', 'n'.repeat(200), 'ñonce-ü'];
  const planes = [encodeControlPlane('weft'), encodeControlPlane('x'.repeat(300)), Buffer.alloc(0)];

  it('writes the same bytes as the body joined to a separately written tail', () => {
    for (const body of bodies) for (const nonce of nonces) for (const cp of planes) {
      for (const f of [SotwField, DeltaField]) {
        expect(withNonce(body, f.nonce, nonce, f.controlPlane, cp).toString('hex')).toBe(joined(body, f.nonce, nonce, f.controlPlane, cp).toString('hex'));
      }
    }
  });

  it('leaves the shared body untouched', () => {
    const body = Buffer.from([1, 2, 3]);
    const out = withNonce(body, SotwField.nonce, '9', SotwField.controlPlane, encodeControlPlane('weft'));
    out[0] = 0xff;
    expect([...body]).toEqual([1, 2, 3]);
  });
});
