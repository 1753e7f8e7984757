import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derLength, oid, time, uintFromBytes } from '../../src/ca/der.js';
import { generateP256, p256FromScalar } from '../../src/ca/keys.js';
import { oid as readOid, parse } from './asn1.js';

const hex = (b: Buffer) => b.toString('hex');

describe('DER encoder', () => {
  it.each([
    [0, '00'], [127, '7f'], [128, '8180'], [255, '81ff'], [256, '820100'], [65535, '82ffff'], [65536, '83010000'],
  ])('encodes length %i minimally as %s', (n, h) => {
    expect(hex(derLength(n))).toBe(h);
  });

  it.each([
    ['00', '020100'], ['0000', '020100'], ['7f', '02017f'], ['80', '02020080'], ['00ff', '020200ff'], ['0001', '020101'],
    ['ffffffffffffffffffffffffffffffff', '02110' + '0' + 'ff'.repeat(16)],
  ])('encodes unsigned magnitude %s as INTEGER %s', (m, h) => {
    expect(hex(uintFromBytes(Buffer.from(m, 'hex')))).toBe(h);
  });

  it.each(['2.5.29.17', '1.2.840.10045.4.3.2', '1.3.6.1.5.5.7.3.2', '1.2.840.113549.1.1.11', '2.999.16384'])(
    'round-trips OID %s through the independent reader', (o) => {
      expect(readOid(parse(oid(o)).content)).toBe(o);
    },
  );

  it('uses UTCTime before 2050 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)', () => {
    expect(time(Date.UTC(2026, 10, 22, 3, 4, 5, 999)).toString('latin1', 2)).toBe('261122030405Z');
    expect(time(Date.UTC(2026, 0, 1))[0]).toBe(0x17);
    expect(time(Date.UTC(2049, 11, 31, 23, 59, 59))[0]).toBe(0x17);
    const g = time(Date.UTC(2050, 0, 1));
    expect([g[0], g.toString('latin1', 2)]).toEqual([0x18, '20500101000000Z']);
  });
});

describe('P-256 key encoding', () => {
  /** Private scalars (hex, big-endian) with 0, 1, 2 and 31 leading zero bytes, and the largest one (n - 1). */
  const SCALARS = [
    'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721',
    '00f1e2d3c4b5a69788796a5b4c3d2e1f0f1e2d3c4b5a69788796a5b4c3d2e1f0',
    '0000a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e',
    '0000000000000000000000000000000000000000000000000000000000000001',
    'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550',
  ];

  it.each(SCALARS)('assembles SPKI and PKCS#8 of scalar %s that node parses back to one key pair', (hexD) => {
    const k = p256FromScalar(Buffer.from(hexD, 'hex'));
    const pub = createPublicKey({ key: k.spki, format: 'der', type: 'spki' });
    const priv = createPrivateKey(k.secret.revealPem());
    const jwk = priv.export({ format: 'jwk' });
    expect(Buffer.from(jwk.d!, 'base64url').toString('hex')).toBe(hexD);
    // RFC 5915: the privateKey OCTET STRING is exactly 32 bytes, leading zeros kept.
    const der = Buffer.from(k.secret.revealPem().replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const ecPrivateKey = parse(parse(der).children[2]!.content);
    expect(Buffer.from(ecPrivateKey.children[1]!.content).toString('hex')).toBe(hexD);
    expect(createPublicKey(priv).export({ format: 'jwk' })).toEqual(pub.export({ format: 'jwk' }));
    expect(k.publicPoint.subarray(1).equals(Buffer.concat([Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]))).toBe(true);
  });

  it('assembles a generated key the same way', () => {
    const k = generateP256();
    const priv = createPrivateKey(k.secret.revealPem());
    expect(createPublicKey(priv).export({ format: 'jwk' })).toEqual(createPublicKey({ key: k.spki, format: 'der', type: 'spki' }).export({ format: 'jwk' }));
  });

  it('signs with a key parsed lazily from its PEM', () => {
    const k = generateP256();
    const sig = sign('sha256', Buffer.from('x'), k.secret.keyObject());
    expect(verify('sha256', Buffer.from('x'), createPublicKey({ key: k.spki, format: 'der', type: 'spki' }), sig)).toBe(true);
  });
});

describe('DER reader', () => {
  it.each(['2.5.29.17', '1.2.840.10045.4.3.2', '2.999.16384', '0.9.2342.19200300.100.1.1'])('reads back OID %s', async (o) => {
    const { oidText } = await import('../../src/ca/der-reader.js');
    expect(oidText(oid(o).subarray(2))).toBe(o);
  });
});
