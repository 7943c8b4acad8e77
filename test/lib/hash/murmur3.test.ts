import { describe, expect, it } from 'vitest';
import { hex128, murmur3x86128, putHex128 } from '../../../lib/hash/murmur3';

const hash = (bytes: Uint8Array, seed = 0, start = 0, end = bytes.length): Uint32Array => {
  const out = new Uint32Array(4);
  murmur3x86128(bytes, start, end, seed, out);
  return out;
};

describe('murmur3x86128', () => {
  it("matches SMHasher's verification value for MurmurHash3_x86_128 (0xB3ECE62A)", () => {
    // SMHasher VerificationTest: hash keys {0}, {0,1}, ... of length 0..255 with seed 256 - n,
    // concatenate the 16-byte digests (little-endian words), hash that with seed 0, read the first word.
    const key = Uint8Array.from({ length: 256 }, (_, i) => i);
    const all = Buffer.alloc(256 * 16);
    for (let n = 0; n < 256; n += 1) {
      const h = hash(key, 256 - n, 0, n);
      for (let w = 0; w < 4; w += 1) all.writeUInt32LE(h[w] as number, n * 16 + w * 4);
    }
    expect(hash(all)[0]).toBe(0xb3ece62a);
  });

  it('hashes a slice the same as a copy of it, whatever its offset', () => {
    const text = Buffer.from('xx2024/01/02 03:04:05.678\tadmin\tcreate user:12\tFAILEDyy');
    expect(hex128(hash(text, 0, 2, text.length - 2))).toBe(hex128(hash(Buffer.from(text.subarray(2, text.length - 2)))));
  });

  it('differs by seed and by every tail length', () => {
    const text = Buffer.from('0123456789abcdefghijklmnopqrstuv');
    const seen = new Set<string>();
    for (let n = 0; n <= text.length; n += 1) seen.add(hex128(hash(text, 0, 0, n)));
    seen.add(hex128(hash(text, 1)));
    expect(seen.size).toBe(text.length + 2);
  });

  it('writes the same hex digits into a buffer as hex128 returns', () => {
    const h = hash(Buffer.from('audit'));
    const b = Buffer.alloc(34);
    expect(putHex128(b, 1, h)).toBe(33);
    expect(b.toString('latin1', 1, 33)).toBe(hex128(h));
    expect(hex128(h)).toMatch(/^[0-9a-f]{32}$/);
  });
});
