// Secrets stay out of what is deployed. The stack is packaged for a deployed stage with fake
// secrets passed every way a user might (the old params, the variables the README and the
// local stack use), and the secret key's SSM parameter name as it should be passed. None of
// the values may appear in the templates, in serverless-state.json (uploaded with them) or in
// any function's environment. (The zips hold the bundled code only: nothing inlines the
// environment into it.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionEnvironments, packageStack, type Packaged } from './package';

const S3_SECRET = 'FAKE-S3-SECRET-wJalrXUtnFEMI';
const WEBHOOK_SECRET = 'https://hooks.example/services/T0/B0/FAKE-WEBHOOK-TOKEN';
const PARAMETER = '/audit-log-ingest/dev/store/secret-access-key';
// Not a secret, passed the same way: proves the search would find a value that is there.
const KEY_ID = 'AKIDFAKEEXAMPLE0001';

let packaged: Packaged;
beforeAll(async () => {
  packaged = await packageStack(
    [
      '--param', `s3SecretAccessKey=${S3_SECRET}`,
      '--param', `webhookUrl=${WEBHOOK_SECRET}`,
      '--param', `s3SecretAccessKeyParameter=${PARAMETER}`,
      '--param', `s3AccessKeyId=${KEY_ID}`,
      '--param', 's3Endpoint=https://object-storage.example.cloud',
    ],
    { S3_SECRET_ACCESS_KEY: S3_SECRET, STORE_SECRET_ACCESS_KEY: S3_SECRET, ALERT_WEBHOOK_URL: WEBHOOK_SECRET, WEBHOOK_URL: WEBHOOK_SECRET },
  );
});
afterAll(() => packaged.remove());

describe('a stage packaged with secrets passed in every way', () => {
  it('holds neither secret in any file it writes, while values passed alike are there', () => {
    expect(Object.keys(packaged.files).sort()).toEqual(['cloudformation-template-create-stack.json', 'cloudformation-template-update-stack.json', 'serverless-state.json']);
    for (const [name, text] of Object.entries(packaged.files)) {
      expect(text.includes(S3_SECRET), `${name} holds the S3 secret key`).toBe(false);
      expect(text.includes('FAKE-WEBHOOK-TOKEN'), `${name} holds the webhook URL`).toBe(false);
    }
    expect(packaged.files['cloudformation-template-update-stack.json']).toContain(KEY_ID);
  });

  it('gives each function the parameter name and key id, and no secret variable with a value', () => {
    const envs = functionEnvironments(packaged.template);
    expect(Object.keys(envs).sort()).toEqual(['IngestLambdaFunction', 'NotifyLambdaFunction', 'SweepLambdaFunction']);
    for (const [fn, env] of Object.entries(envs)) {
      expect(env, fn).toMatchObject({ S3_ACCESS_KEY_ID: KEY_ID, S3_SECRET_ACCESS_KEY_PARAMETER: PARAMETER });
      // Any variable named like a secret is empty (unset) unless it only names an SSM parameter.
      const secretLike = Object.entries(env).filter(([k]) => /SECRET|TOKEN|PASSWORD|WEBHOOK_URL$/.test(k) && !k.endsWith('_PARAMETER'));
      expect(secretLike.filter(([, v]) => v !== ''), fn).toEqual([]);
    }
  });

  it('lets the functions that build an S3 client read the store parameter hierarchy', () => {
    const ssmResources = (role: string) =>
      (packaged.template.Resources[role]?.Properties?.Policies as { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } }[])
        .flatMap((p) => p.PolicyDocument.Statement)
        .filter((st) => ([] as unknown[]).concat(st.Action).includes('ssm:GetParameter'))
        .map((st) => (st.Resource as { 'Fn::Sub': string })['Fn::Sub']);
    const arn = (path: string) => `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${path}`;
    // The parameter passed lies inside the hierarchy each role may read.
    expect(PARAMETER.startsWith('/audit-log-ingest/dev/store/')).toBe(true);
    expect(ssmResources('IngestRole')).toEqual([arn('/audit-log-ingest/dev/store/*')]);
    expect(ssmResources('SweepRole')).toEqual([arn('/audit-log-ingest/dev/store/*')]);
    expect(ssmResources('NotifyRole')).toEqual([arn('/audit-log-ingest/dev/*')]);
  });
});
