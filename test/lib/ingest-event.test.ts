import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestEvent, IngestFailedError } from '../../lib/ingest-event';
import { DEFAULT_PARSE_OPTIONS } from '../../lib/pipeline';
import { memoryLogger, memoryStore } from '../support/memory-store';

const SAMPLE = readFileSync('samples/fscsm_audit.log');
const OPTIONS = { ...DEFAULT_PARSE_OPTIONS, maxPayloadBytes: 240_000, keyEncoding: 'auto' as const };

const record = (key: string, eventName = 'ObjectCreated:Put') => ({
  eventVersion: '2.1',
  eventSource: 'aws:s3',
  eventName,
  s3: { bucket: { name: 'logs-repo' }, object: { key } },
});

describe('ingestEvent', () => {
  it('processes every created chunk of a batch and skips its own outputs', async () => {
    const store = memoryStore({ 'logs-repo/a b.log': SAMPLE, 'logs-repo/c.log': SAMPLE });
    const report = await ingestEvent(
      { Records: [record('a+b.log'), record('c.log'), record('c.log.jsonl'), record('c.log', 'ObjectRemoved:Delete')] },
      { store, log: memoryLogger(), sendFailures: () => Promise.resolve() },
      OPTIONS,
    );
    expect(report.ingested.map((i) => i.key)).toEqual(['a b.log', 'c.log']);
    expect(report.skipped.map((s) => s.reason)).toEqual(['output of this product', 'event ObjectRemoved:Delete']);
    expect(store.objects.has('logs-repo/a b.log.summary.json')).toBe(true);
  });

  it("processes a user's chunk that merely ends in .jsonl (no chunk of that name beside it)", async () => {
    const store = memoryStore({ 'logs-repo/events.jsonl': SAMPLE, 'logs-repo/c.log': SAMPLE, 'logs-repo/c.log.jsonl': 'x' });
    const report = await ingestEvent(
      { Records: [record('events.jsonl'), record('c.log.jsonl')] },
      { store, log: memoryLogger(), sendFailures: () => Promise.resolve() },
      OPTIONS,
    );
    expect(report.ingested.map((i) => i.key)).toEqual(['events.jsonl']);
    expect(report.skipped).toEqual([{ key: 'c.log.jsonl', reason: 'output of this product' }]);
  });

  it('logs and skips an object deleted before processing, without failing the invocation', async () => {
    const log = memoryLogger();
    const report = await ingestEvent({ Records: [record('gone.log')] }, { store: memoryStore(), log, sendFailures: () => Promise.resolve() }, OPTIONS);
    expect(report.skipped[0]?.reason).toMatch(/no longer exists/);
    expect(log.lines.some((l) => l.level === 'warn' && l.key === 'gone.log')).toBe(true);
  });

  it('finishes the other chunks, then fails the invocation so Lambda retries the failed one', async () => {
    const store = memoryStore({ 'logs-repo/a.log': SAMPLE, 'logs-repo/b.log': SAMPLE });
    const log = memoryLogger();
    let calls = 0;
    const sendFailures = () => (++calls === 1 ? Promise.reject(new Error('notify down')) : Promise.resolve());
    const run = ingestEvent({ Records: [record('a.log'), record('b.log')] }, { store, log, sendFailures }, OPTIONS);
    await expect(run).rejects.toBeInstanceOf(IngestFailedError);
    await expect(run).rejects.toThrow(/s3:\/\/logs-repo\/a.log: notify down/);
    expect(store.objects.has('logs-repo/b.log.summary.json')).toBe(true);
    expect(store.objects.has('logs-repo/a.log.summary.json')).toBe(false);
    expect(log.lines.some((l) => l.level === 'error' && l.key === 'a.log')).toBe(true);
  });
});
