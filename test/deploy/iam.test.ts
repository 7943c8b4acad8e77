// Least privilege of the deployed stack, checked on what would be deployed: the template
// `osls package` writes (offline, no AWS credentials). The rule is in ./iam-rules.ts.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_COMPRESSIONS, recordsSuffix, SUMMARY_SUFFIX } from '../../lib/keys';
import { checkTemplate, render, resourceProblem, type Template } from './iam-rules';
import { EVENT_CLAIMS_PREFIX } from '../../lib/alerts/event-claims';
import { queueName } from '../../scripts/connect-bucket';

const ROOT = resolve(import.meta.dirname, '../..');

describe('the least-privilege rule (checked on known cases, so that it can fail)', () => {
  const role = (statements: unknown[], extra: Record<string, unknown> = {}): Template => ({
    Resources: {
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
          Policies: [{ PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
          ...extra,
        },
      },
      Queue: { Type: 'AWS::SQS::Queue' },
      Fn: { Type: 'AWS::Lambda::Function' },
    },
  });
  const problems = (t: Template) => checkTemplate(t).findings.map((f) => f.problem);

  it.each([
    ['*'],
    ['arn:aws:s3:::*'],
    ['arn:aws:s3:::logs*'],
    ['arn:aws:s3:::*/x.jsonl'],
    ['arn:aws:lambda:us-east-1:123456789012:function:*'],
    ['arn:aws:lambda:us-east-1:123456789012:function:audit-*'],
    ['arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/audit-log-ingest-dev*:*'],
    ['arn:aws:logs:us-east-1:123456789012:*'],
    ['arn:aws:ssm:us-east-1:123456789012:parameter/*'],
    ['arn:aws:sns:us-east-1:*:topic'],
    ['arn:aws:sqs:us-east-1:123456789012:*'],
    ['arn:aws:dynamodb:us-east-1:123456789012:table/*'],
    ['logs-repo'],
  ])('rejects the resource %s', (resource) => {
    expect(resourceProblem(resource)).toBeDefined();
  });

  it.each([
    ['arn:aws:s3:::logs-repo'],
    ['arn:aws:s3:::logs-repo/*'],
    ['arn:aws:s3:::logs-repo/*.jsonl'],
    ['arn:aws:s3:::logs-repo/.audit-ingest/claims/*'],
    ['arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/audit-log-ingest-dev-ingest:*'],
    ['arn:aws:ssm:us-east-1:123456789012:parameter/audit-log-ingest/dev/*'],
    ['arn:aws:lambda:us-east-1:123456789012:function:audit-log-ingest-dev-notify'],
  ])('accepts the resource %s', (resource) => {
    expect(resourceProblem(resource)).toBeUndefined();
  });

  it('renders intrinsic functions before judging: Fn::Sub, Fn::Join, Ref, GetAtt', () => {
    const t = role([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::logs-repo/*' } },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::Join': [':', ['arn', { Ref: 'AWS::Partition' }, 'lambda', 'r', 'a', 'function', '*']] } },
    ]);
    const report = checkTemplate(t);
    expect(report.checked).toBe(4); // three statements and the trust policy
    expect(report.findings).toEqual([
      { where: 'Role.Policies[0].Statement[2]', problem: 'wildcard over more than one named resource: arn:aws:lambda:r:a:function:*' },
    ]);
  });

  it('rejects wildcard actions, NotAction/NotResource, managed policies and values it cannot evaluate', () => {
    expect(problems(role([{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' }]))).toEqual(['wildcard action "s3:*"']);
    expect(problems(role([{ Effect: 'Allow', Action: ['s3:Get*'], Resource: 'arn:aws:s3:::b/*' }]))).toEqual(['wildcard action "s3:Get*"']);
    expect(problems(role([{ Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::b/*' }]))).toEqual(['wildcard action "*"']);
    expect(problems(role([{ Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::b' }]))[0]).toMatch(/NotAction/);
    expect(problems(role([{ Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::b/x' }]))[0]).toMatch(/NotResource/);
    expect(problems(role([], { ManagedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'] }))).toContain(
      'managed policies: their statements cannot be checked here (AWS-managed ones allow Resource "*")',
    );
    expect(problems(role([{ Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::ImportValue': 'x' } }]))).toEqual([
      'cannot check: cannot evaluate Fn::ImportValue',
    ]);
    // A wide Deny only narrows.
    expect(problems(role([{ Effect: 'Deny', Action: '*', Resource: '*' }]))).toEqual([]);
  });

  it('rejects the role the framework adds for `existing: true` S3 events', () => {
    const t: Template = {
      Resources: {
        IamRoleCustomResourcesLambdaExecution: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }] },
            Policies: [
              {
                PolicyName: 'dev-audit-log-ingest-custom-resources-lambda',
                PolicyDocument: {
                  Statement: [
                    { Effect: 'Allow', Resource: { 'Fn::Join': [':', ['arn', { Ref: 'AWS::Partition' }, 's3', '', '', 'logs-repo']] }, Action: ['s3:PutBucketNotification', 's3:GetBucketNotification'] },
                    {
                      Effect: 'Allow',
                      Resource: { 'Fn::Join': [':', ['arn', { Ref: 'AWS::Partition' }, 'lambda', { Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, 'function', '*']] },
                      Action: ['lambda:AddPermission', 'lambda:RemovePermission'],
                    },
                  ],
                },
              },
            ],
          },
        },
      },
    };
    expect(checkTemplate(t).findings).toEqual([
      {
        where: 'IamRoleCustomResourcesLambdaExecution.Policies[0].Statement[1]',
        problem: 'wildcard over more than one named resource: arn:aws:lambda:us-east-1:123456789012:function:*',
      },
    ]);
  });

  it('checks Lambda permissions, resource policies and trust policies, and policy documents anywhere', () => {
    const permission = (p: Record<string, unknown>): Template => ({
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function' },
        P: { Type: 'AWS::Lambda::Permission', Properties: { FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Action: 'lambda:InvokeFunction', ...p } },
      },
    });
    expect(problems(permission({ Principal: 's3.amazonaws.com', SourceArn: 'arn:aws:s3:::b', SourceAccount: { Ref: 'AWS::AccountId' } }))).toEqual([]);
    expect(problems(permission({ Principal: 's3.amazonaws.com' }))[0]).toMatch(/no SourceArn/);
    expect(problems(permission({ Principal: 's3.amazonaws.com', SourceArn: 'arn:aws:s3:::b' }))[0]).toMatch(/SourceAccount/);
    expect(problems(permission({ Principal: 's3.amazonaws.com', SourceArn: 'arn:aws:s3:::*', SourceAccount: '1' }))[0]).toMatch(/SourceArn: wildcard/);
    expect(problems(permission({ Principal: '*' }))).toEqual(['Principal "*"']);
    expect(problems(permission({ Principal: 'sns.amazonaws.com', SourceArn: 'x', Action: 'lambda:*' }))[0]).toMatch(/lambda:InvokeFunction only/);

    const bucketPolicy = (statement: Record<string, unknown>): Template => ({
      Resources: { BP: { Type: 'AWS::S3::BucketPolicy', Properties: { PolicyDocument: { Statement: [statement] } } } },
    });
    expect(problems(bucketPolicy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }))).toEqual(['Principal "*" (anyone)']);
    expect(problems(bucketPolicy({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }))).toEqual(['Principal AWS "*"']);

    const trust = role([{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } }]);
    (trust.Resources.Role?.Properties?.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement.push({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' });
    expect(problems(trust)).toEqual(['Principal AWS "*"']);

    const unknown: Template = { Resources: { K: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*', Principal: '*' }] } } } } };
    expect(problems(unknown)).toEqual(['policy document not checked by this test: add its resource type']);
    expect(problems({ Resources: { U: { Type: 'AWS::IAM::User' } } })[0]).toMatch(/no IAM resource but roles/);
  });
});

type Packaged = Template & { Outputs: Record<string, { Value: unknown }> };
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/** Every statement granted to a role: its inline policies and the IAM policies attached to it. */
function statementsOf(template: Packaged, role: string): Statement[] {
  const inline = (template.Resources[role]?.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
  const attached = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties?.Roles as unknown[]).some((x) => JSON.stringify(x) === JSON.stringify({ Ref: role })))
    .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
  return [...inline, ...attached];
}
const actions = (st: Statement) => ([] as string[]).concat(st.Action);
const ROLES = ['BatchOperationsRole', 'IngestRole', 'NotifyRole', 'SweepRole'];
const ofType = (template: Packaged, type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

/** Packages the stack once per topology: `osls package` is offline and needs no credentials. */
async function packageStack(dir: string, trigger: string | undefined): Promise<Packaged> {
  // Without --param the stack must be today's (ingestTrigger defaults to s3).
  const param = trigger ? ['--param', `ingestTrigger=${trigger}`] : [];
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'dev', '--package', dir, ...param], {
    cwd: ROOT,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Packaged;
}

describe.each([
  { trigger: 's3', param: undefined },
  { trigger: 'sqs', param: 'sqs' },
  { trigger: 'eventbridge', param: 'eventbridge' },
])('the packaged stack (osls package --stage dev, ingestTrigger $trigger)', ({ trigger, param }) => {
  let dir: string;
  let template: Packaged;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `audit-iam-${trigger}-`));
    template = await packageStack(dir, param);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('grants nothing wider than named resources, in any statement of any policy', () => {
    const report = checkTemplate(template);
    expect(report.findings).toEqual([]);
    // 4 roles × (trust policy + their statements) and the Lambda permissions: the walk saw them.
    expect(report.checked).toBeGreaterThanOrEqual(20);
  });

  it('has one role per function, one for S3 Batch Operations, and none from the framework (no custom resource, no shared default role)', () => {
    const roles = ofType(template, 'AWS::IAM::Role').map(([id]) => id);
    expect(roles.sort()).toEqual(ROLES);
    expect(Object.values(template.Resources).filter((r) => r.Type.startsWith('Custom::'))).toEqual([]);
    expect(existsSync(join(dir, 'custom-resources.zip'))).toBe(false);
  });

  it('lets S3 Batch Operations (and nothing else) assume its role, to invoke ingest, read manifests and write reports under the product prefix', () => {
    const props = template.Resources.BatchOperationsRole?.Properties as {
      AssumeRolePolicyDocument: { Statement: { Principal: unknown }[] };
    };
    expect(props.AssumeRolePolicyDocument.Statement.map((st) => st.Principal)).toEqual([{ Service: 'batchoperations.s3.amazonaws.com' }]);
    expect(statementsOf(template, 'BatchOperationsRole').map((st) => [actions(st), st.Resource])).toEqual([
      [['lambda:InvokeFunction'], { 'Fn::GetAtt': ['IngestLambdaFunction', 'Arn'] }],
      [['s3:GetObject', 's3:GetObjectVersion'], { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::logs-repo/.audit-ingest/batch/manifests/*' }],
      [['s3:PutObject'], { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::logs-repo/.audit-ingest/batch/reports/*' }],
    ]);
  });

  it.each(['IngestRole', 'SweepRole'])('lets %s write exactly the outputs the code names (each OUTPUT_COMPRESSION), nothing else', (role) => {
    const resources = statementsOf(template, role)
      .filter((st) => actions(st).includes('s3:PutObject'))
      .flatMap((st) => ([] as unknown[]).concat(st.Resource));
    const expected = [...OUTPUT_COMPRESSIONS.map(recordsSuffix), SUMMARY_SUFFIX].map((suffix) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::logs-repo/*${suffix}` }));
    // Ingest also claims each FAILED event (lib/alerts/event-claims.ts); the sweep sends no alerts.
    if (role === 'IngestRole') expected.push({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::logs-repo/${EVENT_CLAIMS_PREFIX}*` });
    expect(resources).toEqual(expected);
  });

  it('lets no role but ingest’s consume a queue, and ingest’s only the queue that triggers it', () => {
    const consuming = ROLES.map((role) => [
      role,
      statementsOf(template, role)
        .filter((st) => actions(st).some((a) => ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'].includes(a)))
        .map((st) => [actions(st), st.Resource]),
    ]);
    const ingest = trigger === 'sqs' ? [[['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], { 'Fn::GetAtt': ['IngestQueue', 'Arn'] }]] : [];
    expect(consuming).toEqual([
      ['BatchOperationsRole', []],
      ['IngestRole', ingest],
      ['NotifyRole', []],
      ['SweepRole', []],
    ]);
  });

  it('invokes ingest only by the trigger chosen: S3 for s3, the queue for sqs, the rule for eventbridge', () => {
    const INGEST = JSON.stringify({ 'Fn::GetAtt': ['IngestLambdaFunction', 'Arn'] });
    // The sweep's schedule has a rule and a permission too: only those for ingest count here.
    const permissions = ofType(template, 'AWS::Lambda::Permission')
      .filter(([, r]) => JSON.stringify(r.Properties?.FunctionName) === INGEST)
      .map(([id, r]) => [id, r.Properties?.Principal]);
    const mappings = ofType(template, 'AWS::Lambda::EventSourceMapping').map(([id]) => id);
    const targetsIngest = (r: { Properties?: Record<string, unknown> }) => (r.Properties?.Targets as { Arn: unknown }[]).some((t) => JSON.stringify(t.Arn) === INGEST);
    const rules = ofType(template, 'AWS::Events::Rule')
      .filter(([, r]) => targetsIngest(r))
      .map(([id]) => id);
    expect({ permissions, mappings, rules }).toEqual(
      {
        s3: { permissions: [['IngestS3InvokePermission', 's3.amazonaws.com']], mappings: [], rules: [] },
        sqs: { permissions: [], mappings: ['IngestEventSourceMappingSQSIngestQueue'], rules: [] },
        eventbridge: { permissions: [['IngestEventBridgeLambdaPermission1', 'events.amazonaws.com']], mappings: [], rules: ['Auditlogingestdevingestrule1EventBridgeRule'] },
      }[trigger],
    );
    expect(template.Outputs.IngestFunctionArn?.Value).toEqual({ 'Fn::GetAtt': ['IngestLambdaFunction', 'Arn'] });
  });

  if (trigger === 's3') {
    it('lets S3 invoke ingest for the logs bucket of this account only, and outputs the ARN to connect the bucket to', () => {
      expect(template.Resources.IngestS3InvokePermission).toEqual({
        Type: 'AWS::Lambda::Permission',
        Properties: {
          FunctionName: { 'Fn::GetAtt': ['IngestLambdaFunction', 'Arn'] },
          Action: 'lambda:InvokeFunction',
          Principal: 's3.amazonaws.com',
          SourceArn: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::logs-repo' },
          SourceAccount: { Ref: 'AWS::AccountId' },
        },
      });
    });
  }

  if (trigger === 'sqs') {
    it('reads the queue with ReportBatchItemFailures, once its role may (the mapping waits for the policy)', () => {
      const mapping = template.Resources.IngestEventSourceMappingSQSIngestQueue as unknown as { DependsOn: string[]; Properties: Record<string, unknown> };
      expect(mapping.Properties).toMatchObject({
        EventSourceArn: { 'Fn::GetAtt': ['IngestQueue', 'Arn'] },
        FunctionName: { 'Fn::GetAtt': ['IngestLambdaFunction', 'Arn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: 10,
      });
      expect(mapping.DependsOn).toEqual(expect.arrayContaining(['IngestRole', 'IngestQueueConsumePolicy']));
    });

    it('gives the queue a visibility timeout of at least 6 × the function timeout and a dead-letter queue that outlives it', () => {
      const timeout = template.Resources.IngestLambdaFunction?.Properties?.Timeout as number;
      const queue = template.Resources.IngestQueue?.Properties as { VisibilityTimeout: number; MessageRetentionPeriod: number; RedrivePolicy: unknown };
      expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
      expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['IngestQueueDeadLetterQueue', 'Arn'] }, maxReceiveCount: 5 });
      const dlq = template.Resources.IngestQueueDeadLetterQueue?.Properties as { MessageRetentionPeriod: number };
      expect(dlq.MessageRetentionPeriod).toBeGreaterThan(queue.MessageRetentionPeriod);
      expect(template.Outputs.IngestQueueArn?.Value).toEqual({ 'Fn::GetAtt': ['IngestQueue', 'Arn'] });
      // connect-bucket finds the queue by this name.
      expect(template.Resources.IngestQueue?.Properties?.QueueName).toBe(queueName('dev'));
    });

    it('alarms to the alerts topic when a message lands in the queue’s dead-letter queue', () => {
      expect(template.Resources.IngestQueueDeadLetterQueueAlarm?.Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['IngestQueueDeadLetterQueue', 'QueueName'] } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: 'AlertsTopic' }],
      });
    });

    it('lets only S3, for the logs bucket of this account, send to the queue', () => {
      const policies = ofType(template, 'AWS::SQS::QueuePolicy').map(([, r]) => r.Properties);
      expect(policies).toEqual([
        {
          Queues: [{ Ref: 'IngestQueue' }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 's3.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: { 'Fn::GetAtt': ['IngestQueue', 'Arn'] },
                Condition: {
                  ArnEquals: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::logs-repo' } },
                  StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                },
              },
            ],
          },
        },
      ]);
    });
  }

  if (trigger === 'eventbridge') {
    it('matches Object Created events of the logs bucket only, and lets that rule alone invoke ingest', () => {
      const rule = template.Resources.Auditlogingestdevingestrule1EventBridgeRule?.Properties as { EventPattern: unknown; Targets: { Arn: unknown }[] };
      expect(rule.EventPattern).toEqual({ source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: ['logs-repo'] } } });
      expect(rule.Targets.map((t) => t.Arn)).toEqual([{ 'Fn::GetAtt': ['IngestLambdaFunction', 'Arn'] }]);
      const permission = template.Resources.IngestEventBridgeLambdaPermission1?.Properties as { SourceArn: unknown };
      expect(render(permission.SourceArn, template.Resources)).toBe('arn:aws:events:us-east-1:123456789012:rule/audit-log-ingest-dev-ingest-rule-1');
    });
  }
});
