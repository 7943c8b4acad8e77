import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/notify';

const context = { awsRequestId: 'req-2' } as Context;
const failure = {
  line: 2,
  kind: 'entry',
  timestamp: '2015-06-29T14:38:18.230Z',
  localTime: '2015-06-29T14:38:18.230',
  actor: 'fscsm_user',
  action: 'create',
  resourceType: 'user',
  resourceIds: ['op_manager'],
  outcome: 'FAILED',
  operation: 'create user:op_manager',
};

describe('notify handler', () => {
  it('accepts a valid payload from ingest', async () => {
    const payload = { schemaVersion: 1, source: { bucket: 'b', key: 'k' }, records: 'k.jsonl', batch: 1, failures: [failure] };
    await expect(handler(payload, context)).resolves.toEqual({ accepted: true, failures: 1 });
  });

  it('rejects a payload that is not from ingest without throwing (a retry cannot fix it)', async () => {
    await expect(handler({ failures: [{ ...failure, outcome: 'SUCCESS' }] }, context)).resolves.toEqual({ accepted: false, failures: 0 });
  });
});
