/**
 * Certificate serial numbers: 128 random bits, encoded as a positive DER INTEGER (RFC 5280 §4.1.2.2
 * allows up to 20 octets; CA/B Forum asks for at least 64 bits of CSPRNG output).
 *
 * Random bytes are drawn from node:crypto in blocks of 4 KiB to keep the per-certificate cost low.
 * Not shared across workers; each process has its own pool.
 */
import { randomFillSync } from 'node:crypto';
import { uintFromBytes } from './der.js';

const SERIAL_BYTES = 16;
const POOL = Buffer.alloc(SERIAL_BYTES * 256);
let offset = POOL.length;

/** A fresh serial as `{ der, hex }`: the INTEGER TLV and its magnitude in lowercase hex. */
export function randomSerial(): { der: Buffer; hex: string } {
  for (;;) {
    if (offset >= POOL.length) {
      randomFillSync(POOL);
      offset = 0;
    }
    const bytes = Buffer.from(POOL.subarray(offset, offset + SERIAL_BYTES));
    offset += SERIAL_BYTES;
    // Zero is not a valid serial; the chance is 2^-128, but the check is free.
    if (bytes.some((b) => b !== 0)) return { der: uintFromBytes(bytes), hex: bytes.toString('hex') };
  }
}
