// The alert sinks a notify configuration names (webhook from the environment or SSM, SNS
// topic): one construction for the notify function and the CLI's backfill and watch.

import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Sink } from '../../lib/alerts/notify';
import type { NotifyConfig } from '../../lib/config';
import { snsSink } from './sns-sink';
import { ssmSecret } from './ssm-secret';
import { webhookSink } from './webhook-sink';

export function sinksFromConfig(config: NotifyConfig, region: string): Sink[] {
  const sinks: Sink[] = [];
  if (config.WEBHOOK_URL) {
    const url = config.WEBHOOK_URL;
    sinks.push(webhookSink(() => Promise.resolve(url), config.WEBHOOK_FORMAT));
  } else if (config.WEBHOOK_URL_PARAMETER) {
    sinks.push(webhookSink(ssmSecret(new SSMClient({ region }), config.WEBHOOK_URL_PARAMETER, 'WEBHOOK_URL_PARAMETER'), config.WEBHOOK_FORMAT));
  }
  if (config.ALERT_TOPIC_ARN) {
    sinks.push(snsSink(new SNSClient({ region, ...(config.SNS_ENDPOINT ? { endpoint: config.SNS_ENDPOINT } : {}) }), config.ALERT_TOPIC_ARN));
  }
  return sinks;
}
