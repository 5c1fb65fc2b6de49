import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { LogveilStack, type LogveilStackProps } from '../../infra/stack.js';

const DIST = fileURLToPath(new URL('../../dist/lambda', import.meta.url));

/** The stack synthesized with the AwsSolutions checks: the error synthesis throws, if any, and the report. */
function synth(extra: Partial<LogveilStackProps> = {}): { template: Template; error: unknown; report: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'logveil-cdk-'));
  const app = new App({ outdir });
  const stack = new LogveilStack(app, 'Logveil', {
    code: lambda.Code.fromAsset(DIST),
    logGroupNames: ['/aws/lambda/orders', '/app/payments'],
    auditPrincipal: new iam.ArnPrincipal('arn:aws:iam::111122223333:role/auditors'),
    env: { account: '111122223333', region: 'eu-west-1' },
    ...extra,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let error: unknown;
  try {
    app.synth();
  } catch (err) {
    error = err;
  }
  let report = '';
  try {
    report = readFileSync(join(outdir, 'validation-report.json'), 'utf8');
  } catch {
    // written only when a check reports something
  }
  return { template: Template.fromStack(stack), error, report };
}

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

describe('the CDK stack (infra/)', () => {
  let s: ReturnType<typeof synth>;
  beforeAll(() => {
    s = synth();
  });
  const statements = (): Array<{ policy: string; statement: Statement }> =>
    Object.entries(s.template.findResources('AWS::IAM::Policy')).flatMap(([policy, r]) => ((r as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement).map((statement) => ({ policy, statement })));
  const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

  it('passes the AwsSolutions checks of cdk-nag, every finding it does not fix acknowledged with a reason', () => {
    expect(s.error, s.report.slice(0, 4000)).toBeUndefined();
  });

  it('grants no action or resource as a bare *', () => {
    const all = statements();
    expect(all.length).toBeGreaterThan(10);
    for (const { policy, statement } of all) {
      for (const a of list(statement.Action)) expect(a === '*' || a.endsWith(':*'), `${policy}: ${a}`).toBe(false);
      expect(JSON.stringify(statement.Resource), policy).not.toBe('"*"');
    }
  });

  it('lets only the detokenize role decrypt token keys; the functions decrypt the hash key alone', () => {
    const decrypts = statements().filter(({ statement }) => list(statement.Action).includes('kms:Decrypt'));
    const purposes = decrypts.map(({ policy, statement }) => [policy.replace(/[0-9A-F]{8}$/, ''), statement.Condition?.StringEquals?.['kms:EncryptionContext:purpose'] ?? statement.Condition?.StringEquals?.['kms:ViaService']]);
    expect(purposes.filter(([, p]) => p === 'tokenize').map(([policy]) => policy)).toEqual(['DetokenizeRoleDefaultPolicy']);
    expect(purposes.filter(([policy]) => /^(Subscription|Transform)Role/.test(policy as string)).map(([, p]) => p)).toEqual(['hash', 'hash']);
    // Every other Decrypt goes through S3 only (Firehose writing, the auditor reading the export).
    expect(purposes.filter(([, p]) => p !== 'tokenize' && p !== 'hash').every(([, p]) => JSON.stringify(p).includes('s3.'))).toBe(true);
  });

  it('names what an operator or auditor needs as outputs', () => {
    expect(Object.keys(s.template.findOutputs('*')).sort()).toEqual(['AppBucketName', 'AuditStreamName', 'DetokenizeRoleArn', 'SecurityBucketName', 'SigningKeyArn']);
    s.template.hasOutput('AuditStreamName', { Value: { Ref: Match.stringLikeRegexp('^AuditStream') } });
  });

  it("lets the detokenize role put its audit events into the audit stream alone, never into the functions' security stream", () => {
    const puts = statements().filter(({ statement }) => list(statement.Action).includes('firehose:PutRecordBatch'));
    const auditor = puts.filter(({ policy }) => policy.startsWith('DetokenizeRole'));
    expect(auditor.map(({ statement }) => statement.Resource)).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^AuditStream/), 'Arn'] }]);
    const intoSecurity = puts.filter(({ statement }) => JSON.stringify(statement.Resource).includes('"SecurityStream'));
    expect(intoSecurity.map(({ policy }) => policy.replace(/[0-9A-F]{8}$/, ''))).toEqual(['SubscriptionRoleDefaultPolicy', 'TransformRoleDefaultPolicy']);
  });

  it('keeps security events under S3 Object Lock in compliance mode, on a stream of their own', () => {
    s.template.hasResourceProperties('AWS::S3::Bucket', { ObjectLockEnabled: true, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } } } });
    s.template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 4);
    s.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    s.template.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  });

  it('runs both handlers with their streams, a signing key and an on-failure queue, and subscribes each log group', () => {
    for (const handler of ['dist/lambda/cloudwatch-subscription.handler', 'dist/lambda/firehose-transform.handler']) {
      s.template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: handler,
        Runtime: 'nodejs24.x',
        Environment: { Variables: Match.objectLike({ LOGVEIL_SECURITY_STREAM: Match.anyValue(), LOGVEIL_LEDGER_SIGNING_KEY_ID: Match.anyValue(), LOGVEIL_PIPELINE: 'logveil' }) },
      });
    }
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { DestinationConfig: { OnFailure: { Destination: Match.anyValue() } } });
    s.template.resourceCountIs('AWS::Logs::SubscriptionFilter', 2);
    s.template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', { ExtendedS3DestinationConfiguration: Match.objectLike({ ProcessingConfiguration: Match.objectLike({ Enabled: true }) }) });
  });

  it('passes a config file of the bundle and the hash key to both functions when given, and neither otherwise', () => {
    const vars = (t: Template) => Object.values(t.findResources('AWS::Lambda::Function')).map((r) => (r as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables);
    expect(vars(s.template).every((v) => !('LOGVEIL_CONFIG' in v) && !('LOGVEIL_HASH_KEY_BLOB' in v))).toBe(true);
    const given = vars(synth({ configFile: 'policy/logveil.yaml', hashKeyBlob: 'AQIDBAUG' }).template);
    expect(given).toHaveLength(2);
    for (const v of given) expect(v).toMatchObject({ LOGVEIL_CONFIG: '/var/task/policy/logveil.yaml', LOGVEIL_HASH_KEY_BLOB: 'AQIDBAUG' });
  });

  it('alarms on failed or throttled invocations and on a security stream that falls silent', () => {
    const alarms = Object.values(s.template.findResources('AWS::CloudWatch::Alarm')).map((r) => (r as { Properties: { AlarmDescription: string; TreatMissingData: string } }).Properties);
    // Errors and throttles of each function, and the silent stream.
    expect(alarms).toHaveLength(5);
    expect(alarms.find((a) => a.AlarmDescription.includes('no security events'))?.TreatMissingData).toBe('breaching');
  });
});
