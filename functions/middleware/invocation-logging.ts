// Middy middleware: one structured log line when an invocation fails, with the request id,
// then rethrow so Lambda records the failure and retries async events.

import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger } from '../../lib/log';

export function invocationLogging(log: Logger): middy.MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    onError: (request) => {
      log.error('invocation failed', {
        requestId: request.context.awsRequestId,
        error: request.error ?? undefined,
      });
    },
  };
}
