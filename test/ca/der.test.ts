import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derLength, oid, time, uintFromBytes } from '../../src/ca/der.js';
import { generateP256 } from '../../src/ca/keys.js';
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
  it('assembles SPKI and PKCS#8 that node parses back to one key pair, including scalars with leading zeros', () => {
    // 2,000 keys: about 8 of them have a private scalar whose first byte is zero.
    for (let i = 0; i < 2000; i++) {
      const k = generateP256();
      const pub = createPublicKey({ key: k.spki, format: 'der', type: 'spki' });
      const priv = createPrivateKey(k.secret.revealPem());
      const jwk = priv.export({ format: 'jwk' });
      expect(Buffer.from(jwk.d!, 'base64url')).toHaveLength(32);
      expect(createPublicKey(priv).export({ format: 'jwk' })).toEqual(pub.export({ format: 'jwk' }));
      expect(k.publicPoint.subarray(1).equals(Buffer.concat([Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]))).toBe(true);
    }
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
