// Secrets from SSM Parameter Store, read once per container: the value is never in the
// CloudFormation template, the function's environment or the logs.

import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

/**
 * A reader of one SecureString parameter, cached after the first successful read (a failed
 * read is not cached: the next call tries again). `setting` names the variable that holds the
 * parameter's name, so that an error says which configuration to fix; errors never carry the
 * value.
 */
export function ssmSecret(client: SSMClient, name: string, setting?: string): () => Promise<string> {
  const where = `SSM parameter ${name}${setting ? ` (${setting})` : ''}`;
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= client
      .send(new GetParameterCommand({ Name: name, WithDecryption: true }))
      .then(
        (res) => {
          const value = res.Parameter?.Value;
          if (!value) throw new Error(`${where} is empty`);
          return value;
        },
        (err: unknown) => {
          const e = err as { name?: string; message?: string };
          const reason = e.name === 'ParameterNotFound' ? 'does not exist (create it as a SecureString)' : `could not be read: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
          throw new Error(`${where} ${reason}`, { cause: err });
        },
      )
      .catch((err: unknown) => {
        cached = undefined; // retry the read next time instead of caching the failure
        throw err;
      });
    return cached;
  };
}
