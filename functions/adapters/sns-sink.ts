// Alert sink: an SNS topic, for e-mail/SMS subscribers (fan-out is SNS's job).

import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Sink } from '../../lib/alerts/notify';
import { renderJson, renderText } from '../../lib/alerts/render';

export function snsSink(client: SNSClient, topicArn: string): Sink {
  return {
    name: 'sns',
    async send(alert) {
      const { subject, message } = renderText(alert);
      await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: subject,
          // Protocol-specific bodies: text for e-mail/SMS, the JSON alert for queues and functions.
          MessageStructure: 'json',
          Message: JSON.stringify({ default: message, email: message, sms: subject, sqs: renderJson(alert), lambda: renderJson(alert) }),
        }),
      );
    },
  };
}
