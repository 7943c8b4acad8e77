// Secrets from SSM Parameter Store, read once per container: the value is never in the
// CloudFormation template, the function's environment or the logs.

import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

export function ssmSecret(client: SSMClient, name: string): () => Promise<string> {
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= client
      .send(new GetParameterCommand({ Name: name, WithDecryption: true }))
      .then((res) => {
        const value = res.Parameter?.Value;
        if (!value) throw new Error(`SSM parameter ${name} is empty`);
        return value;
      })
      .catch((err: unknown) => {
        cached = undefined; // retry the read next time instead of caching the failure
        throw err;
      });
    return cached;
  };
}
