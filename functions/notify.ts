// Lambda handler: receives FAILED operations from ingest (async invoke), validates them.
// Delivery to alert sinks comes later; for now each batch is logged as one structured line.

import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { createLogger } from '../lib/log';
import { NotifyPayloadSchema } from '../lib/notify-payload';
import { invocationLogging } from './middleware/invocation-logging';

const log = createLogger({ function: 'notify' });

export interface NotifyResult {
  accepted: boolean;
  failures: number;
}

export const handler = middy<unknown, NotifyResult, Error, Context>()
  .use(invocationLogging(log))
  .handler(async (event, context) => {
    const parsed = NotifyPayloadSchema.safeParse(event);
    if (!parsed.success) {
      // A malformed payload never becomes valid on retry: say so loudly and do not retry.
      log.error('notify payload rejected', { requestId: context.awsRequestId, problems: z.prettifyError(parsed.error) });
      return { accepted: false, failures: 0 };
    }
    const p = parsed.data;
    log.info('failed operations received', {
      requestId: context.awsRequestId,
      source: p.source,
      records: p.records,
      batch: p.batch,
      count: p.failures.length,
      failures: p.failures,
    });
    return Promise.resolve({ accepted: true, failures: p.failures.length });
  });
