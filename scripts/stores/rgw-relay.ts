// Relay from Ceph radosgw bucket notifications to the ingest function.
// radosgw pushes each S3 event ({"Records": [...]}) to an HTTP endpoint (an SNS-style topic
// with `push-endpoint`); this relay validates it and invokes ingest asynchronously through
// a Lambda API (serverless-offline locally, or AWS), one record per invocation as S3 does.
//   RELAY_PORT=9180 LAMBDA_ENDPOINT=http://127.0.0.1:3002 FUNCTION_NAME=audit-log-ingest-local-ingest \
//     tsx scripts/stores/rgw-relay.ts

import { createServer, type IncomingMessage } from 'node:http';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { S3EventSchema } from '../../lib/events';
import { createLogger } from '../../lib/log';

const Env = z.object({
  RELAY_PORT: z.coerce.number().int().positive().default(9180),
  RELAY_HOST: z.string().default('127.0.0.1'),
  LAMBDA_ENDPOINT: z.url().optional(),
  FUNCTION_NAME: z.string().min(1).default('audit-log-ingest-local-ingest'),
});
const env = Env.parse(process.env);
const log = createLogger({ component: 'rgw-relay' });
const lambda = new LambdaClient({
  region: process.env.AWS_REGION ?? 'us-east-1',
  ...(env.LAMBDA_ENDPOINT ? { endpoint: env.LAMBDA_ENDPOINT, credentials: { accessKeyId: 'offline', secretAccessKey: 'offline' } } : {}),
});
const MAX_BODY = 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error(`notification body over ${MAX_BODY} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

const server = createServer((req, res) => {
  void (async () => {
    if (req.method !== 'POST') {
      res.writeHead(req.url === '/health' ? 200 : 405).end();
      return;
    }
    let records: unknown[];
    try {
      records = S3EventSchema.parse(JSON.parse(await readBody(req))).Records;
    } catch (err) {
      log.error('notification rejected', { error: err });
      res.writeHead(400).end();
      return;
    }
    try {
      // Async invokes answer at once, so radosgw (which waits for us) is not held up by ingest.
      for (const record of records) {
        await lambda.send(
          new InvokeCommand({
            FunctionName: env.FUNCTION_NAME,
            InvocationType: 'Event',
            Payload: Buffer.from(JSON.stringify({ Records: [record] })),
          }),
        );
        const r = record as { eventName?: string; s3?: { object?: { key?: string } } };
        log.info('relayed', { eventName: r.eventName, key: r.s3?.object?.key });
      }
      res.writeHead(200).end();
    } catch (err) {
      log.error('invoke failed', { error: err });
      res.writeHead(502).end();
    }
  })();
});

server.listen(env.RELAY_PORT, env.RELAY_HOST, () => {
  log.info('listening', { url: `http://${env.RELAY_HOST}:${env.RELAY_PORT}/`, functionName: env.FUNCTION_NAME });
});
const shutdown = (): void => {
  server.close(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
