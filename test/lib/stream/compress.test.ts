import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressed, zstdAvailable } from '../../../lib/stream/compress';
import { hasZstd, unzstd } from '../../support/zstd';

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of source) out.push(b);
  return Buffer.concat(out);
}

function pieces(n: number): AsyncIterable<Buffer> {
  return Readable.from(Array.from({ length: n }, (_, i) => Buffer.from(`{"line":${i + 1},"kind":"entry"}\n`.repeat(50))));
}

describe('compressed', () => {
  it.each([['gzip', gunzipSync] as const, ...(hasZstd ? [['zstd', unzstd] as const] : [])])(
    '%s: decompresses to exactly the bytes it was given, across many pieces',
    async (compression, decode) => {
      const plain = await collect(pieces(400));
      const packed = await collect(compressed(pieces(400), compression));
      expect(packed.length).toBeLessThan(plain.length / 20);
      expect(decode(packed)).toEqual(plain);
    },
  );

  it('fails with the source error, not a hang, when the records stream fails midway', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield* pieces(10);
      throw new Error('read failed at line 500');
    }
    await expect(collect(compressed(failing(), 'gzip'))).rejects.toThrow(/read failed at line 500/);
  });

  it('reports zstd available exactly from Node 22.15 on', () => {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    expect(zstdAvailable()).toBe(major > 22 || (major === 22 && minor >= 15));
  });
});
