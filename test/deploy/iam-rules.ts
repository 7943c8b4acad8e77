// Least privilege, as a rule a packaged CloudFormation template can be checked against.
//
// Every Allow statement anywhere in the template (role policies, trust policies, IAM policy
// resources, resource policies such as bucket/topic/queue policies) and every
// AWS::Lambda::Permission must name what it allows:
//
//   Actions   no `*` and no `?` in any action (`*`, `s3:*`, `s3:Get*` all fail), no NotAction.
//   Resources no NotResource; each Resource is either a resource of this stack (a Ref or
//             GetAtt, e.g. the dead-letter queue's ARN) or an ARN whose partition, service,
//             region and account are literal, and whose resource part has no wildcard, except
//             in exactly three shapes, each below one named resource:
//               S3 objects        arn:…:s3:::BUCKET/<pattern>          (BUCKET literal: objects
//                                                                        of one bucket, e.g. *.jsonl)
//               log streams       arn:…:logs:…:log-group:NAME:*        (NAME literal: the streams
//                                                                        of one log group)
//               SSM parameters    arn:…:ssm:…:parameter/PATH/*         (PATH literal: one hierarchy)
//             So `*`, `arn:aws:s3:::*`, `arn:aws:s3:::bucket*`, `function:*`,
//             `log-group:/aws/lambda/x*:*` and `parameter/*` all fail.
//   Principals (resource and trust policies) no `*`, neither bare nor as {AWS: '*'}.
//   Roles     no ManagedPolicyArns: a managed policy's statements are not in the template (and
//             AWS's own, e.g. AWSLambdaBasicExecutionRole, allow Resource "*").
//   Lambda permissions  a literal action (lambda:InvokeFunction), a function of this stack, a
//             principal that is not `*`; a service principal needs a SourceArn that passes the
//             Resource rule (otherwise any account's bucket or rule could invoke the function),
//             and s3.amazonaws.com also a SourceAccount (S3 ARNs name no account: a bucket of
//             the same name in another account would match).
//
// Deny statements are not checked: a wide Deny only narrows (the framework's deployment
// bucket policy denies s3:* without TLS, to Principal *). IAM users, groups and access keys,
// and policy documents in resources this file does not know, fail: the walk must see every
// statement, and the caller checks that it saw some.

type Json = unknown;
type Resources = Record<string, { Type: string; Properties?: Record<string, Json> }>;

export interface Template {
  Resources: Resources;
}

export interface Finding {
  /** Logical ID and path, e.g. `IngestRole.Policies[0].Statement[2]`. */
  where: string;
  problem: string;
}

export interface Report {
  findings: Finding[];
  /** Allow statements checked (including trust policies and Lambda permissions). */
  checked: number;
}

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'stack',
};

/** Stands for an ARN or name CloudFormation resolves from a resource of this stack. */
const STACK_REF = (id: string) => `⟨stack:${id}⟩`;
const WHOLE_STACK_REF = /^⟨stack:[A-Za-z0-9.]+⟩$/;

class Unresolvable extends Error {}

/** Renders a value with intrinsic functions to the string CloudFormation would produce. */
export function render(value: Json, resources: Resources): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Unresolvable(`not a string: ${JSON.stringify(value)}`);
  const [fn, arg] = Object.entries(value)[0] ?? [];
  switch (fn) {
    case 'Ref': {
      const name = String(arg);
      if (name in PSEUDO) return PSEUDO[name] as string;
      if (name in resources) return STACK_REF(name);
      throw new Unresolvable(`Ref to ${name}, which is neither a pseudo parameter nor a resource of this stack`);
    }
    case 'Fn::GetAtt': {
      const [id, attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
      if (id === undefined || !(id in resources)) throw new Unresolvable(`GetAtt of ${String(id)}, not a resource of this stack`);
      return STACK_REF(`${id}.${String(attr)}`);
    }
    case 'Fn::Join': {
      const [sep, parts] = arg as [string, Json[]];
      return parts.map((p) => render(p, resources)).join(sep);
    }
    case 'Fn::Sub': {
      const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, Json>]) : [String(arg), {}];
      return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
        if (name.startsWith('!')) return `\${${name.slice(1)}}`;
        if (name in vars) return render(vars[name], resources);
        if (name in PSEUDO) return PSEUDO[name] as string;
        const id = name.split('.')[0] as string;
        if (id in resources) return STACK_REF(name);
        throw new Unresolvable(`\${${name}} in Fn::Sub resolves to nothing known`);
      });
    }
    default:
      throw new Unresolvable(`cannot evaluate ${String(fn)}`);
  }
}

const WILDCARD = /[*?]/;

/** Why a resource is wider than one named resource, or undefined when it is not. */
export function resourceProblem(resource: string): string | undefined {
  if (resource === '*') return 'Resource "*" (every resource)';
  if (WHOLE_STACK_REF.test(resource)) return undefined;
  const m = /^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)$/.exec(resource);
  if (!m) return `not an ARN: ${resource}`;
  const [, partition, service, region, account, rest] = m as unknown as [string, string, string, string, string, string];
  if ([partition, service, region, account].some((p) => WILDCARD.test(p))) {
    return `wildcard in the partition, service, region or account of ${resource}`;
  }
  if (rest === '') return `no resource in ${resource}`;
  if (!WILDCARD.test(rest)) return undefined;
  if (service === 's3' && /^[^*?/]+\/./.test(rest)) return undefined; // objects of one named bucket
  if (service === 'logs' && /^log-group:[^*?:]+:\*$/.test(rest)) return undefined; // streams of one named log group
  if (service === 'ssm' && /^parameter(?:\/[^*?/]+)+\/\*$/.test(rest)) return undefined; // one named parameter hierarchy
  return `wildcard over more than one named resource: ${resource}`;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function principalProblem(principal: Json): string | undefined {
  if (principal === undefined) return undefined;
  if (principal === '*') return 'Principal "*" (anyone)';
  if (typeof principal !== 'object' || principal === null) return `unexpected Principal ${JSON.stringify(principal)}`;
  for (const [kind, values] of Object.entries(principal)) {
    for (const v of list(values as Json)) {
      if (typeof v === 'string' && WILDCARD.test(v)) return `Principal ${kind} "${v}"`;
    }
  }
  return undefined;
}

type PolicyKind = 'identity' | 'trust' | 'resource';

export function checkTemplate(template: Template): Report {
  const { Resources: resources } = template;
  const findings: Finding[] = [];
  const seen = new Set<Json>();
  let checked = 0;
  const find = (where: string, problem: string): void => void findings.push({ where, problem });

  const tryRender = (where: string, v: Json): string | undefined => {
    try {
      return render(v, resources);
    } catch (err) {
      if (!(err instanceof Unresolvable)) throw err;
      find(where, `cannot check: ${err.message}`);
      return undefined;
    }
  };

  const checkDocument = (where: string, doc: Json, kind: PolicyKind): void => {
    seen.add(doc);
    const statements = list((doc as { Statement?: Json[] } | undefined)?.Statement);
    if (statements.length === 0) find(where, 'policy document without statements');
    statements.forEach((st, i) => {
      const at = `${where}.Statement[${i}]`;
      const s = st as Record<string, Json>;
      if (s.Effect === 'Deny') return;
      if (s.Effect !== 'Allow') return find(at, `unknown Effect ${JSON.stringify(s.Effect)}`);
      checked += 1;
      for (const key of ['NotAction', 'NotResource', 'NotPrincipal']) {
        if (key in s) find(at, `${key} in an Allow statement allows everything else`);
      }
      const actions = list(s.Action);
      if (actions.length === 0 && !('NotAction' in s)) find(at, 'no Action');
      for (const a of actions) {
        const action = tryRender(at, a);
        if (action !== undefined && WILDCARD.test(action)) find(at, `wildcard action "${action}"`);
      }
      if (kind === 'trust') {
        if (!actions.every((a) => a === 'sts:AssumeRole')) find(at, 'a trust policy allows only sts:AssumeRole');
      } else {
        const res = list(s.Resource);
        if (res.length === 0 && !('NotResource' in s)) find(at, 'no Resource');
        for (const r of res) {
          const rendered = tryRender(at, r);
          const problem = rendered === undefined ? undefined : resourceProblem(rendered);
          if (problem) find(at, problem);
        }
      }
      if (kind === 'identity' && 'Principal' in s) find(at, 'Principal in an identity policy');
      if (kind !== 'identity') {
        if (!('Principal' in s)) find(at, 'no Principal');
        const problem = principalProblem(s.Principal);
        if (problem) find(at, problem);
      }
    });
  };

  const checkPermission = (id: string, p: Record<string, Json>): void => {
    checked += 1;
    const action = tryRender(id, p.Action);
    if (action === undefined || WILDCARD.test(action) || action !== 'lambda:InvokeFunction') {
      find(id, `a permission should allow lambda:InvokeFunction only, not ${String(action)}`);
    }
    const fn = tryRender(id, p.FunctionName);
    if (fn !== undefined && !WHOLE_STACK_REF.test(fn)) find(id, `FunctionName ${fn} is not a function of this stack`);
    const principal = tryRender(id, p.Principal);
    if (principal === undefined) return;
    if (WILDCARD.test(principal)) return find(id, `Principal "${principal}"`);
    if (!principal.endsWith('.amazonaws.com')) return;
    if (p.SourceArn === undefined) return find(id, `${principal} may invoke the function for any source: no SourceArn`);
    const source = tryRender(id, p.SourceArn);
    const problem = source === undefined ? undefined : resourceProblem(source);
    if (problem) find(id, `SourceArn: ${problem}`);
    if (principal === 's3.amazonaws.com' && p.SourceAccount === undefined) {
      find(id, 'S3 ARNs name no account: an s3.amazonaws.com permission needs SourceAccount');
    }
  };

  for (const [id, res] of Object.entries(resources)) {
    const props = res.Properties ?? {};
    switch (res.Type) {
      case 'AWS::IAM::Role':
        checkDocument(`${id}.AssumeRolePolicyDocument`, props.AssumeRolePolicyDocument, 'trust');
        list(props.Policies as Json[]).forEach((p, i) =>
          checkDocument(`${id}.Policies[${i}]`, (p as { PolicyDocument?: Json }).PolicyDocument, 'identity'),
        );
        if (list(props.ManagedPolicyArns as Json[]).length > 0) {
          find(`${id}.ManagedPolicyArns`, 'managed policies: their statements cannot be checked here (AWS-managed ones allow Resource "*")');
        }
        break;
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
      case 'AWS::IAM::RolePolicy':
        checkDocument(`${id}.PolicyDocument`, props.PolicyDocument, 'identity');
        break;
      case 'AWS::S3::BucketPolicy':
      case 'AWS::SNS::TopicPolicy':
      case 'AWS::SQS::QueuePolicy':
        checkDocument(`${id}.PolicyDocument`, props.PolicyDocument, 'resource');
        break;
      case 'AWS::Lambda::Permission':
        checkPermission(id, props);
        break;
      default:
        if (res.Type.startsWith('AWS::IAM::')) find(id, `${res.Type}: this stack should need no IAM resource but roles and their policies`);
    }
  }

  // Any policy document the switch above did not visit (e.g. a resource type with an inline
  // policy it does not know) is a finding: nothing may pass unchecked.
  const sweep = (where: string, v: Json): void => {
    if (v === null || typeof v !== 'object') return;
    if (!Array.isArray(v) && 'Statement' in v && !seen.has(v)) find(where, 'policy document not checked by this test: add its resource type');
    for (const [k, child] of Object.entries(v)) sweep(`${where}.${k}`, child);
  };
  for (const [id, res] of Object.entries(resources)) sweep(id, res.Properties);

  return { findings, checked };
}
