import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BatchOperationsEventError, ingestBatchOperations, isBatchOperationsEvent } from '../../lib/batch-operations';
import { DEFAULT_PARSE_OPTIONS } from '../../lib/pipeline';
import { memoryLogger, memoryStore } from '../support/memory-store';

// The request events of the AWS documentation (S3 user guide, "Invoke AWS Lambda function"; Lambda developer guide).
const fixture = (version: '1.0' | '2.0') => JSON.parse(readFileSync(new URL(`../fixtures/events/batch-operations-${version}.json`, import.meta.url), 'utf8')) as Record<string, unknown> & { tasks: Record<string, unknown>[] };
const LINE = '2015/06/29 14:35:30.902\tfscsm_user\tcreate user:op_user\tFAILED\n';
const options = { ...DEFAULT_PARSE_OPTIONS, maxPayloadBytes: 240_000 };
const deps = (store = memoryStore({ 'amzn-s3-demo-bucket/in/chunk 1.log': LINE.repeat(3) })) => ({ store, log: memoryLogger(), sendFailures: () => Promise.resolve() });

/** The documented event with its one task pointed at `key` (as the manifest gives it: URL-encoded). */
function event(version: '1.0' | '2.0', ...keys: string[]) {
  const base = fixture(version);
  const task = base.tasks[0] ?? {};
  return { ...base, tasks: keys.map((k, i) => ({ ...task, taskId: `task-${i}`, s3Key: k })) };
}

describe('S3 Batch Operations at ingest', () => {
  it('recognises the documented events of both schema versions', () => {
    expect(isBatchOperationsEvent(fixture('1.0'))).toBe(true);
    expect(isBatchOperationsEvent(fixture('2.0'))).toBe(true);
    expect(isBatchOperationsEvent({ Records: [] })).toBe(false);
  });

  for (const version of ['1.0', '2.0'] as const) {
    it(`ingests the task's chunk and answers Succeeded, echoing the invocation (schema ${version})`, async () => {
      const d = deps();
      const res = await ingestBatchOperations(event(version, 'in/chunk+1.log'), d, options);
      expect(res).toEqual({
        invocationSchemaVersion: version,
        treatMissingKeysAs: 'PermanentFailure',
        invocationId: 'YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo',
        results: [{ taskId: 'task-0', resultCode: 'Succeeded', resultString: 'ingested: 3 records, 0 error records, 3 FAILED operations' }],
      });
      expect(d.store.objects.has('amzn-s3-demo-bucket/in/chunk 1.log.summary.json')).toBe(true);
    });
  }

  it('answers PermanentFailure for an object that is gone, and Succeeded without work for our own outputs', async () => {
    const d = deps();
    d.store.objects.set('amzn-s3-demo-bucket/in/chunk 1.log.summary.json', Buffer.from('{}'));
    const res = await ingestBatchOperations(event('2.0', 'in/gone.log', 'in/chunk+1.log.summary.json'), d, options);
    expect(res.results.map((r) => [r.resultCode, r.resultString])).toEqual([
      ['PermanentFailure', 's3://amzn-s3-demo-bucket/in/gone.log no longer exists'],
      ['Succeeded', 'skipped: output of this product'],
    ]);
  });

  it('answers TemporaryFailure when the store or the notifier fails, so that the job retries the task', async () => {
    const d = { ...deps(), sendFailures: () => Promise.reject(new Error('notify unreachable')) };
    const res = await ingestBatchOperations(event('1.0', 'in/chunk+1.log'), d, options);
    expect(res.results).toEqual([{ taskId: 'task-0', resultCode: 'TemporaryFailure', resultString: 'notify unreachable' }]);
    expect(d.store.objects.has('amzn-s3-demo-bucket/in/chunk 1.log.summary.json')).toBe(false);
  });

  it('hands a chunk that runs out of time to a new invocation and reports it Succeeded', async () => {
    const continued: unknown[] = [];
    const d = { ...deps(memoryStore({ 'amzn-s3-demo-bucket/big.log': LINE.repeat(5000) })), continueLater: (c: unknown) => Promise.resolve(void continued.push(c)) };
    const res = await ingestBatchOperations(event('2.0', 'big.log'), d, { ...options, shouldStop: () => true });
    expect(res.results[0]).toMatchObject({ resultCode: 'Succeeded', resultString: 'continued in a new invocation from part 2' });
    expect(continued).toHaveLength(1);
  });

  it('fails the invocation on an event it cannot answer per task', async () => {
    await expect(ingestBatchOperations({ invocationSchemaVersion: '3.0', tasks: [] }, deps(), options)).rejects.toThrow(BatchOperationsEventError);
  });
});
