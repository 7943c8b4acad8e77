// SOURCE_ENCODING through the whole read path: a Shift_JIS FSCSM log parses to the same
// records as its UTF-8 twin, wherever the byte stream is cut, across invocations too; and
// without the setting the same bytes are handled as invalid UTF-8, as before.
//
// test/fixtures/fscsm/shift_jis.log is encodeShiftJis(TEXT) (CRLF endings, as written on
// Windows); the first test checks it, byte for byte.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContinuationSchema, type Continuation } from '../../lib/continuation';
import { ingestObject, ingestWhole, type IngestOptions } from '../../lib/ingest';
import { DEFAULT_PARSE_OPTIONS } from '../../lib/pipeline';
import type { OutputRecord } from '../../lib/records';
import { memoryLogger, memoryStore } from '../support/memory-store';
import { expectConsistent, run } from '../support/pipeline-run';
import { encodeShiftJis, shiftJisCharacters } from '../support/shift-jis';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const TEXT = [
  '2015/06/29 14:35:30.902\t監査_管理者\tcreate user:山田太郎\tSUCCESS',
  '2015/06/29 14:38:18.230\t監査_管理者\tcreate user:鈴木花子\tFAILED',
  '2015/06/29 15:29:43.361\top_manager\tcreate org: 営業部_01\tSUCCESS',
  '2015/06/29 15:47:30.988\tｶﾝﾘｼｬ\tdelete user: 佐藤\tSUCCESS',
  '',
  'これは監査ログの行ではありません',
  // ソ and 表 end in byte 0x5C, a backslash when read as ASCII.
  '2015/06/29 16:19:18.382\t表示担当\tmodify bizsystem:ソフト表示\tSUCCESS',
  '2015/06/29 16:25:22.274\tbiz_manager\tcreate service:サーバー１\tFAILED',
]
  .map((l) => l + '\r\n')
  .join('');
const SJIS = readFileSync(join(FIXTURES, 'fscsm/shift_jis.log'));

/** `data` cut at the given offsets. */
async function* cutAt(data: Buffer, offsets: readonly number[]): AsyncGenerator<Uint8Array> {
  let prev = 0;
  for (const p of [...[...new Set(offsets)].sort((a, b) => a - b), data.length]) {
    await Promise.resolve();
    yield data.subarray(prev, p);
    prev = p;
  }
}

describe('SOURCE_ENCODING=shift_jis', () => {
  it('the fixture is TEXT in Shift_JIS ("監査" = 8A C4 8D B8), not valid UTF-8', () => {
    expect(SJIS.equals(encodeShiftJis(TEXT))).toBe(true);
    expect(new TextDecoder('shift_jis').decode(SJIS)).toBe(TEXT);
    expect(SJIS.subarray(24, 28)).toEqual(Buffer.from([0x8a, 0xc4, 0x8d, 0xb8]));
    expect(SJIS.toString('utf8')).not.toBe(TEXT);
  });

  it('parses the lines with their Japanese actors and IDs, numbered as in the file', async () => {
    const r = await run(SJIS, { sourceEncoding: 'shift_jis' });
    expectConsistent(r);
    expect(r.parsed.format).toBe('fscsm');
    expect(r.parsed.counts).toEqual({ totalLines: 8, blankLines: 1, parsed: 6, errors: 1, failedOperations: 2, pendingOperations: 0 });
    const brief = r.records.map((rec) =>
      rec.kind === 'entry' ? [rec.line, rec.actor, rec.resourceIds, rec.outcome] : [rec.line, rec.kind, rec.raw],
    );
    expect(brief).toEqual([
      [1, '監査_管理者', ['山田太郎'], 'SUCCESS'],
      [2, '監査_管理者', ['鈴木花子'], 'FAILED'],
      [3, 'op_manager', ['営業部_01'], 'SUCCESS'],
      [4, 'ｶﾝﾘｼｬ', ['佐藤'], 'SUCCESS'],
      [6, 'error', 'これは監査ログの行ではありません'],
      [7, '表示担当', ['ソフト表示'], 'SUCCESS'],
      [8, 'biz_manager', ['サーバー１'], 'FAILED'],
    ]);
    // Exactly what the UTF-8 twin gives.
    expect(r.records).toEqual((await run(Buffer.from(TEXT, 'utf8'))).records);
  });

  it('gives the same records wherever the bytes are cut, mid-character included (property)', async () => {
    const whole = (await run(SJIS, { sourceEncoding: 'shift_jis' }, SJIS.length)).records;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: SJIS.length }), { maxLength: 40 }), async (cuts) => {
        const r = await run(cutAt(SJIS, cuts), { sourceEncoding: 'shift_jis' });
        expectConsistent(r);
        expect(r.records).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it('parses any Shift_JIS text as its UTF-8 twin, however it is cut (property)', async () => {
    const chars = shiftJisCharacters();
    const word = fc.array(fc.constantFrom(...chars, 'a', '_', '1'), { minLength: 1, maxLength: 8 }).map((cs) => cs.join(''));
    const line = fc.oneof(
      fc.tuple(word, word, fc.constantFrom('SUCCESS', 'FAILED')).map(([actor, id, outcome]) => `2016/02/05 11:00:01.000\t${actor}\tcreate user:${id}\t${outcome}`),
      word,
      fc.constant(''),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: 20 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (lines, eol, cuts) => {
          const text = lines.join(eol) + eol;
          const bytes = encodeShiftJis(text);
          const sjis = await run(
            cutAt(bytes, cuts.map((c) => c % (bytes.length + 1))),
            { sourceEncoding: 'shift_jis', format: 'fscsm' },
          );
          const utf8 = await run(Buffer.from(text, 'utf8'), { format: 'fscsm' });
          expectConsistent(sjis);
          expect(sjis.records).toEqual(utf8.records);
          expect(sjis.parsed.counts).toEqual(utf8.parsed.counts);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reads gzip-compressed Shift_JIS (inflate first, then transcode)', async () => {
    const r = await run(gzipSync(SJIS), { sourceEncoding: 'shift_jis' }, 7);
    expect(r.parsed.compression).toBe('gzip');
    expect(r.records).toEqual((await run(SJIS, { sourceEncoding: 'shift_jis' })).records);
  });

  it('continues a chunk across invocations at the same lines (resume offsets count UTF-8 bytes)', async () => {
    const options: IngestOptions = { ...DEFAULT_PARSE_OPTIONS, sourceEncoding: 'shift_jis', maxPayloadBytes: 4_000 };
    const lines = Array.from({ length: 3000 }, (_, i) => `2015/06/29 14:35:30.000\t監査${i}\tmodify user:利用者${i}\t${i % 40 === 0 ? 'FAILED' : 'SUCCESS'}`);
    const body = encodeShiftJis(lines.join('\r\n') + '\r\n');
    const whole = memoryStore({ 'b/sjis.log': body });
    const one = await ingestWhole({ bucket: 'b', key: 'sjis.log' }, { store: whole, log: memoryLogger(), sendFailures: () => Promise.resolve() }, options);

    // memoryStore hands out 1000-byte chunks: characters are cut between chunks, and the
    // run stops every 15 batches.
    const store = memoryStore({ 'b/sjis.log': body });
    const deps = { store, log: memoryLogger(), sendFailures: () => Promise.resolve() };
    let continuing: Continuation | undefined;
    let runs = 0;
    for (;;) {
      runs += 1;
      let batches = 0;
      const result = await ingestObject({ bucket: 'b', key: 'sjis.log' }, deps, { ...options, shouldStop: () => ++batches >= 15 }, continuing);
      if (result.done) {
        expect(result.summary.counts).toEqual(one.summary.counts);
        const joined = (result.summary.outputs.parts ?? []).map((k) => store.objects.get(`b/${k}`)?.toString() ?? '').join('');
        expect(joined).toBe(whole.objects.get('b/sjis.log.jsonl')?.toString());
        break;
      }
      continuing = ContinuationSchema.parse(JSON.parse(JSON.stringify(result.continuation)));
    }
    expect(runs).toBeGreaterThan(2);
    expect(one.summary.counts).toMatchObject({ totalLines: 3000, parsed: 3000, failedOperations: 75 });
    const first = JSON.parse(whole.objects.get('b/sjis.log.jsonl')?.toString().split('\n')[0] ?? '') as OutputRecord;
    expect(first).toMatchObject({ line: 1, actor: '監査0', resourceIds: ['利用者0'] });
  });

  it('detects the format on the transcoded bytes (CADF JSON Lines in UTF-16LE with a BOM)', async () => {
    const utf8 = readFileSync(join(FIXTURES, 'cadf/keystonemiddleware-nova.jsonl'));
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(utf8.toString('utf8'), 'utf16le')]);
    const r = await run(utf16, { sourceEncoding: 'utf-16le' }, 333);
    expect(r.parsed.format).toBe('cadf');
    expect(r.records).toEqual((await run(utf8)).records);
  });
});

describe('the same bytes without SOURCE_ENCODING (UTF-8 assumed)', () => {
  it('are invalid UTF-8 lines: error records with their exact bytes, counts reconcile, no line lost', async () => {
    const r = await run(SJIS);
    expectConsistent(r);
    expect(r.parsed.counts).toEqual({ totalLines: 8, blankLines: 1, parsed: 0, errors: 7, failedOperations: 0, pendingOperations: 0 });
    const sourceLines = TEXT.split('\r\n');
    for (const rec of r.records) {
      expect(rec).toMatchObject({ kind: 'error', reason: 'line is not valid UTF-8' });
      if (rec.kind !== 'error') continue;
      // The evidence is the original bytes: decoded as Shift_JIS, they are the line.
      expect(new TextDecoder('shift_jis').decode(Buffer.from(rec.rawBase64 ?? '', 'base64'))).toBe(sourceLines[rec.line - 1]);
    }
    expect(r.records.map((rec) => rec.line)).toEqual([1, 2, 3, 4, 6, 7, 8]);
  });
});
