import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decoded } from '../../../lib/stream/inflate';
import { canonicalEncoding, isUtf8Encoding, toUtf8, transcode } from '../../../lib/stream/transcode';
import { encodeShiftJis } from '../../support/shift-jis';

async function* from(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) {
    await Promise.resolve();
    yield c;
  }
}

async function text(chunks: readonly Uint8Array[], encoding: string): Promise<string> {
  const out: Buffer[] = [];
  for await (const b of transcode(from(chunks), encoding)) out.push(b);
  return Buffer.concat(out).toString('utf8');
}

const bytesOf = (...bytes: number[]) => Uint8Array.of(...bytes);

describe('encoding labels', () => {
  it('knows the WHATWG labels and names them canonically', () => {
    expect(canonicalEncoding('Shift_JIS')).toBe('shift_jis');
    expect(canonicalEncoding('sjis')).toBe('shift_jis');
    expect(canonicalEncoding(' euc-jp ')).toBe('euc-jp');
    expect(canonicalEncoding('klingon')).toBeUndefined();
    expect(isUtf8Encoding('UTF8')).toBe(true);
    expect(isUtf8Encoding('unicode-1-1-utf-8')).toBe(true);
    expect(isUtf8Encoding('shift_jis')).toBe(false);
  });
});

describe('transcode', () => {
  it('turns Shift_JIS into UTF-8 ("監査" is 8A C4 8D B8)', async () => {
    expect(await text([bytesOf(0x8a, 0xc4, 0x8d, 0xb8)], 'shift_jis')).toBe('監査');
    // Second byte 0x5C ("\" in ASCII) inside ソ and 表, the classic Shift_JIS trap.
    expect(await text([encodeShiftJis('ソフト表示\\')], 'shift_jis')).toBe('ソフト表示\\');
  });

  it('completes a character split across chunks, one byte per chunk', async () => {
    const source = encodeShiftJis('監査ログ\r\nｶﾝﾘ\n');
    expect(await text([...source].map((b) => bytesOf(b)), 'shift_jis')).toBe('監査ログ\r\nｶﾝﾘ\n');
  });

  it('gives the same text wherever the stream is cut (property)', async () => {
    const source = encodeShiftJis('2015/06/29 14:35:30.902\t監査_管理者\tcreate user:山田太郎\tSUCCESS\r\nｶﾝﾘｼｬ 表示\n');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: source.length }), { maxLength: 12 }), async (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const parts: Buffer[] = [];
        let prev = 0;
        for (const p of [...points, source.length]) {
          parts.push(source.subarray(prev, p));
          prev = p;
        }
        expect(await text(parts, 'shift_jis')).toBe(new TextDecoder('shift_jis').decode(source));
      }),
    );
  });

  it('replaces invalid sequences with U+FFFD and keeps the line endings around them', async () => {
    // 0x81 0x0A: a lead byte followed by LF is invalid; the LF survives as a line ending.
    expect(await text([bytesOf(0x41, 0x81, 0x0a, 0x42, 0x0a)], 'shift_jis')).toBe('A\uFFFD\nB\n');
    // A lead byte at the very end of the input: one U+FFFD.
    expect(await text([bytesOf(0x41), bytesOf(0x8a)], 'shift_jis')).toBe('A\uFFFD');
  });

  it('decodes UTF-16 before any split: 0x0A bytes inside characters are not line ends', async () => {
    // U+0A0A is 0A 0A in UTF-16LE; the real line end is 0A 00.
    const source = Buffer.from('\u0A0Ax\n\u0A0A', 'utf16le');
    expect(await text([source.subarray(0, 3), source.subarray(3)], 'utf-16le')).toBe('\u0A0Ax\n\u0A0A');
  });
});

describe('toUtf8', () => {
  const decoded = (head: Buffer, chunks: Buffer[]): Decoded => ({ compression: 'none', head, chunks: from(chunks) as AsyncIterable<Buffer> });

  it('leaves UTF-8 input alone: the same object, no stage added', () => {
    const d = decoded(Buffer.from('x'), [Buffer.from('x')]);
    expect(toUtf8(d)).toBe(d);
    expect(toUtf8(d, 'utf8')).toBe(d);
  });

  it('transcodes the detection head up to its last complete character', async () => {
    const bytes = encodeShiftJis('監査');
    const d = toUtf8(decoded(bytes.subarray(0, 3), [bytes]), 'shift_jis');
    expect(d.head.toString('utf8')).toBe('監');
    const out: Buffer[] = [];
    for await (const b of d.chunks) out.push(b);
    expect(Buffer.concat(out).toString('utf8')).toBe('監査');
  });
});
