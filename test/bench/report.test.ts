import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SECTIONS_DIR } from '../../bench/config';
import { parseFigures } from '../../bench/figures';
import { evaluateTargets } from '../../bench/results';
import { commandList, parseTable, renderDoc, SECTION_FILES } from '../../bench/report';
import { fakeResults } from './fake-results';

describe('benchmarks page', () => {
  it('keeps the hand-written sections (issues 21, 20 and 18) verbatim, in order, at the end', () => {
    const doc = renderDoc(fakeResults());
    const sections = SECTION_FILES.map((name) => readFileSync(join(SECTIONS_DIR, name), 'utf8'));
    expect(sections[0]).toMatch(/^## FAILED lines on the byte path \(issue 21\)/);
    expect(sections[1]).toMatch(/^## Backfill at --concurrency 1 vs 8 \(issue 20\)\n/);
    expect(sections[2]).toMatch(/^## Event claims for a chunk of 10,000 FAILED lines \(issue 18\)\n/);
    for (const text of sections) expect(doc).toContain(text);
    const at = sections.map((text) => doc.indexOf(text));
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(doc.endsWith(sections[2] as string)).toBe(true);
  });

  it('embeds the chart and lists every command and both target sections', () => {
    const doc = renderDoc(fakeResults());
    expect(doc).toContain('![Parse throughput by FAILED share](bench-parse.svg)');
    expect(doc).toContain('- jq (100MB-f0, 100MB, 100MB-f6, 100MB-f30, 1GiB): `jq FILE`');
    expect(doc).toContain('## Targets (issue #6)');
    expect(doc).toContain('## Targets (issue #21)');
  });
});

describe('issue 21 targets', () => {
  const byName = (name: string) => fakeResults().targets.find((t) => t.name === name);

  it('judges ours against the fastest peer per FAILED share on 100MB and 1GiB', () => {
    // Fastest peer: lognormalizer split at 40 MB/s; ours 80 - share.
    expect(byName('parse 100MB-f0 (0% FAILED): ours / fastest peer')).toMatchObject({ issue: 21, value: 2, met: true, note: 'fastest: lognormalizer-split' });
    expect(byName('parse 100MB-f30 (30% FAILED): ours / fastest peer')).toMatchObject({ value: 50 / 40, met: false });
    expect(byName('parse 1GiB (2% FAILED): ours / fastest peer')).toMatchObject({ value: 78 / 40, met: true });
  });

  it('judges ours against readline at 2% and the 1 GiB ingest peak over every output mode', () => {
    expect(byName('parse 100MB at 2% FAILED: ours / Node readline count')).toMatchObject({ value: 0.78, met: false });
    const rss = byName('ingest 1GiB: peak RSS of the ingest child, every output mode (MiB)');
    expect(rss).toMatchObject({ value: 120, met: true });
  });

  it("shows beside the readline target what ours' output alone costs in the sink, in its own column too", () => {
    const r = fakeResults();
    const parse = [...r.parse, { chunk: '100MB', tool: 'sink' as const, seconds: 0.8, runs: [0.8], mbPerSec: 125, maxRssKiB: 1024, parsedLines: 1e6, outputLines: 1e6, command: 'cat .bench/sink-100MB.jsonl' }];
    const target = evaluateTargets({ ...r, parse }).find((t) => t.name === 'parse 100MB at 2% FAILED: ours / Node readline count');
    expect(target).toMatchObject({ value: 0.78, met: false, note: "cat of ours' output through the same sink alone: 0.80 s, readline 1.00 s" });
    const table = parseTable({ ...r, parse });
    expect(table).toContain("sink floor (cat of ours' output) MB/s");
    expect(table).toContain('125.0 (0.80 s)');
    expect(commandList({ ...r, parse })).toContain("- sink floor (cat of ours' output) (100MB): `cat .bench/sink-CHUNK.jsonl`");
  });

  it('leaves targets undecided when their chunks were not measured', () => {
    const r = fakeResults();
    const partial = { ...r, chunks: r.chunks.filter((c) => c.size !== '1GiB'), ingest: [] };
    const t = evaluateTargets(partial).filter((x) => x.issue === 21 && x.met === undefined).map((x) => x.note);
    expect(t).toContain('1GiB not measured');
    expect(t).toContain('1GiB ingest not measured');
  });

  it('writes the ratios into the parse figures', () => {
    const f = parseFigures(fakeResults());
    expect(f.ratios.find((x) => x.chunk === '100MB-f6')).toMatchObject({ failedShare: 6, fastestPeer: 'lognormalizer-split', oursOverFastestPeer: 1.85, oursOverReadline: 0.74 });
    expect(f.rows.find((x) => x.chunk === '100MB' && x.tool === 'ours')?.mbPerSec).toEqual({ median: 78, min: 70.91, max: 86.67 });
  });
});
