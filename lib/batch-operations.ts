// S3 Batch Operations (LambdaInvoke) at the ingest function: for containers of millions of
// chunks, where a job over a manifest (the listing, or S3 Inventory) does the fan-out, the
// retries and the completion report. Each invocation carries tasks (one in practice); each
// task gets its result code:
//   Succeeded         ingested; continued in a new invocation (a big chunk); or not a chunk
//   PermanentFailure  the object is gone or was replaced (retrying cannot help)
//   TemporaryFailure  anything else (store or notify unreachable): Batch Operations retries
// Schema 1.0 names the bucket by ARN (s3BucketArn), 2.0 by name (s3Bucket) and may carry
// job.userArguments. Keys arrive URL-encoded, as in the manifest (a space as "+").

import * as z from './zod';
import { ingestObject, ObjectMissingError, type IngestDeps, type IngestOptions } from './ingest';
import { decodeEventKey, notAChunk } from './keys';

const TaskSchema = z.looseObject({
  taskId: z.string().check(z.minLength(1)),
  s3Key: z.string().check(z.minLength(1)),
  s3VersionId: z.optional(z.nullable(z.string())),
  s3BucketArn: z.optional(z.string().check(z.regex(/^arn:[^:]+:s3:::[^/]+$/, 'must be an S3 bucket ARN'))),
  s3Bucket: z.optional(z.string().check(z.minLength(1))),
});

export const BatchOperationsEventSchema = z.looseObject({
  invocationSchemaVersion: z.enum(['1.0', '2.0']),
  invocationId: z.string().check(z.minLength(1)),
  job: z.looseObject({ id: z.string(), userArguments: z.optional(z.record(z.string(), z.string())) }),
  tasks: z.array(TaskSchema).check(z.minLength(1)),
});

export type BatchOperationsEvent = z.infer<typeof BatchOperationsEventSchema>;
export type ResultCode = 'Succeeded' | 'TemporaryFailure' | 'PermanentFailure';

export interface BatchOperationsResponse {
  invocationSchemaVersion: '1.0' | '2.0';
  treatMissingKeysAs: ResultCode;
  invocationId: string;
  results: { taskId: string; resultCode: ResultCode; resultString: string }[];
}

/** Whether an event is shaped as a Batch Operations invocation (then it is validated in full). */
export function isBatchOperationsEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'invocationSchemaVersion' in event && 'tasks' in event;
}

export class BatchOperationsEventError extends Error {
  override readonly name = 'BatchOperationsEventError';
}

/** The report's result string is kept short (the completion report is a CSV). */
const RESULT_STRING_MAX = 900;

export async function ingestBatchOperations(event: unknown, deps: IngestDeps, options: IngestOptions): Promise<BatchOperationsResponse> {
  const parsed = BatchOperationsEventSchema.safeParse(event);
  // Without task ids there is nothing to answer per task: the invocation fails, and the job
  // counts its tasks as failed.
  if (!parsed.success) throw new BatchOperationsEventError(`not a valid S3 Batch Operations event: ${z.prettifyError(parsed.error)}`);
  const { data } = parsed;
  const results: BatchOperationsResponse['results'] = [];
  for (const task of data.tasks) {
    const bucket = task.s3Bucket ?? task.s3BucketArn?.slice(task.s3BucketArn.indexOf(':::') + 3);
    const key = decodeEventKey(task.s3Key, 'url');
    const answer = (resultCode: ResultCode, text: string) => results.push({ taskId: task.taskId, resultCode, resultString: text.slice(0, RESULT_STRING_MAX) });
    if (!bucket) {
      answer('PermanentFailure', 'the task names no bucket (s3Bucket or s3BucketArn)');
      continue;
    }
    const context = { bucket, key, jobId: data.job.id, taskId: task.taskId };
    try {
      const skip = await notAChunk(key, (k) => deps.store.exists(bucket, k));
      if (skip) {
        answer('Succeeded', `skipped: ${skip}`);
        continue;
      }
      const result = await ingestObject({ bucket, key }, deps, options);
      if (result.done) {
        const c = result.summary.counts;
        answer('Succeeded', `ingested: ${c.parsed} records, ${c.errors} error records, ${c.failedOperations} FAILED operations`);
        continue;
      }
      if (!deps.continueLater) throw new Error('the chunk stopped early but nothing can continue it');
      await deps.continueLater(result.continuation);
      answer('Succeeded', `continued in a new invocation from part ${result.continuation.part}`);
    } catch (err) {
      if (err instanceof ObjectMissingError) {
        deps.log.warn('batch operations task: object gone or replaced', { ...context, error: err });
        answer('PermanentFailure', err.message);
        continue;
      }
      deps.log.error('batch operations task failed; the job retries it', { ...context, error: err });
      answer('TemporaryFailure', err instanceof Error ? err.message : String(err));
    }
  }
  return { invocationSchemaVersion: data.invocationSchemaVersion, treatMissingKeysAs: 'PermanentFailure', invocationId: data.invocationId, results };
}
