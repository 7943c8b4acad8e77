import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cadfBlocks, fscsmBlocks, type GeneratedText, type Layout } from '../../bench/generate';
import { createCadfLineParser } from '../../lib/formats/cadf';
import { createFscsmParser } from '../../lib/formats/fscsm';

function generate(blocks: Generator<string, GeneratedText>): { text: string; counts: GeneratedText } {
  let text = '';
  let step = blocks.next();
  while (step.done !== true) {
    text += step.value;
    step = blocks.next();
  }
  return { text, counts: step.value };
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const fscsm = (bytes: number, share: number, layout: Layout = 'tab') => generate(fscsmBlocks(bytes, share, layout));

describe('bench chunk generator', () => {
  // Hashes of the generator's output taken before issue 21 changed it (same seed, 2% FAILED):
  // the base chunks on disk (.bench/fscsm-<size>.log) stay valid and are not regenerated.
  it('writes the same bytes at 2% as before the FAILED shares were added', () => {
    const small = fscsm(100_000, 2);
    expect(sha256(small.text)).toBe('f7b8a4874a2722bc0d1ad71b54a24dc50bb29c7a6d7ade7dd670549c6c174767');
    expect(small.counts).toEqual({ lines: 1404, failed: 26 });
    const twoMb = fscsm(2_000_000, 2);
    expect(sha256(twoMb.text)).toBe('e7233a2064c23c9bf9f393feddc064ff95b8539a5a559f7f4b369cd3872df879');
    expect(twoMb.counts).toEqual({ lines: 28154, failed: 574 });
  });

  it.each([0, 6, 30])('fills the chunk at a FAILED share of %i percent to the byte and counts its FAILED lines exactly', (share) => {
    const { text, counts } = fscsm(1_000_000, share);
    expect(Buffer.byteLength(text)).toBe(1_000_000);
    const lines = text.split('\n').slice(0, -1);
    expect(lines).toHaveLength(counts.lines);
    expect(lines.filter((l) => l.endsWith('\tFAILED'))).toHaveLength(counts.failed);
    const ratio = counts.failed / counts.lines;
    expect(ratio).toBeGreaterThanOrEqual(share === 0 ? 0 : (share / 100) * 0.85);
    expect(ratio).toBeLessThanOrEqual(share === 0 ? 0 : (share / 100) * 1.15);
  });

  it('keeps the operations of the 2% chunk at other shares (only outcomes move)', () => {
    const head = (t: string) => t.split('\n').slice(0, 200).map((l) => l.split('\t').slice(0, 3).join('\t'));
    expect(head(fscsm(100_000, 30).text)).toEqual(head(fscsm(100_000, 2).text));
  });

  it('writes the mixed layout: 12-hour and space-separated lines that our parser reads, FAILED as in the 2% chunk', () => {
    const { text, counts } = fscsm(200_000, 2, 'mixed');
    expect(Buffer.byteLength(text)).toBe(200_000);
    const lines = text.split('\n').slice(0, -1);
    const twelveHour = lines.filter((l) => /^\d{4}\/\d{2}\/\d{2} \d{1,2}:\d{2}:\d{2} [AP]M\.\d{3}\t/.test(l));
    const spaced = lines.filter((l) => !l.includes('\t'));
    // Lines 10, 30, 50, … and 20, 40, 60, … of the generated ones (the last line is the filler).
    const generated = counts.lines - 1;
    expect(twelveHour.length).toBe(Math.floor((generated + 10) / 20));
    expect(spaced.length).toBe(Math.floor(generated / 20));
    expect(lines[0]).toContain('\t');
    const parse = createFscsmParser({ timeZone: 'UTC' });
    const records = lines.map((l, i) => parse(i + 1, l));
    expect(records.filter((r) => r.kind === 'error')).toEqual([]);
    expect(records.filter((r) => r.kind === 'entry' && r.outcome === 'FAILED')).toHaveLength(counts.failed);
  });

  it('writes CADF JSON Lines of about the size, every event parsed, failures counted', () => {
    const { text, counts } = generate(cadfBlocks(300_000, 2));
    const bytes = Buffer.byteLength(text);
    expect(bytes).toBeLessThanOrEqual(300_000);
    expect(bytes).toBeGreaterThan(299_000);
    const lines = text.split('\n').slice(0, -1);
    expect(lines).toHaveLength(counts.lines);
    const parse = createCadfLineParser();
    const records = lines.map((l, i) => parse(i + 1, l));
    expect(records.filter((r) => r.kind === 'error')).toEqual([]);
    expect(records.filter((r) => r.kind === 'entry' && r.outcome === 'FAILED')).toHaveLength(counts.failed);
    expect(counts.failed).toBeGreaterThan(0);
  });
});
