/**
 * The AWS deployment of logveil: a CloudWatch Logs subscription Lambda and a Firehose
 * transformation Lambda running the same engine, the app, security and audit Firehose streams,
 * the security bucket under S3 Object Lock, KMS keys (data keys, with rotation; checkpoint signing),
 * one least-privilege role per function, an on-failure queue, and alarms on errors, on throttles
 * and on a security stream that falls silent.
 *
 * Every grant names its resources: no action or resource is `*`. A function may not decrypt what
 * it tokenized (only its hash key, by its encryption context); only the detokenize role may.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type CfnElement, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as logsDestinations from 'aws-cdk-lib/aws-logs-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface LogveilStackProps extends StackProps {
  /** The function code: `dist/`, `patterns/` and the production `node_modules/` (see infra/README.md). */
  readonly code: lambda.Code;
  /** Log groups whose events the subscription function redacts. */
  readonly logGroupNames: readonly string[];
  /** Names the deployment in every data key's encryption context (`LOGVEIL_PIPELINE`). */
  readonly pipeline?: string;
  /** Days the security bucket's Object Lock keeps every object (COMPLIANCE mode). */
  readonly securityRetentionDays?: number;
  /** The principal that may assume the detokenize role (an auditors' role or account). */
  readonly auditPrincipal: iam.IPrincipal;
  /** The security stream's checkpoint interval, in seconds (`LOGVEIL_CHECKPOINT_INTERVAL_SECONDS`). */
  readonly checkpointIntervalSeconds?: number;
  /** The functions' runtime; the code's `node_modules` (re2 is native) must be built for it. Default Node.js 24. */
  readonly runtime?: lambda.Runtime;
  /** A logveil config file inside the bundle (`LOGVEIL_CONFIG`, relative to it): packs, actions, limits. */
  readonly configFile?: string;
  /**
   * The deployment's hash key, as the base64 CiphertextBlob of a KMS data key made under `DataKey`
   * with context pipeline and `purpose: hash` (`LOGVEIL_HASH_KEY_BLOB`): needed when the config's
   * actions hash values, so that hashes join across cold starts.
   */
  readonly hashKeyBlob?: string;
}

/** See the module notes. */
export class LogveilStack extends Stack {
  readonly dataKey: kms.Key;
  readonly signingKey: kms.Key;
  readonly securityBucket: s3.Bucket;
  readonly appBucket: s3.Bucket;
  readonly securityStream: firehose.CfnDeliveryStream;
  readonly auditStream: firehose.CfnDeliveryStream;
  readonly appStream: firehose.CfnDeliveryStream;
  readonly subscriptionFunction: lambda.Function;
  readonly transformFunction: lambda.Function;
  readonly detokenizeRole: iam.Role;

  constructor(scope: Construct, id: string, props: LogveilStackProps) {
    super(scope, id, props);
    const pipeline = props.pipeline ?? 'logveil';

    this.dataKey = new kms.Key(this, 'DataKey', { description: 'logveil: wraps the data keys of tokens, hashes and the quarantine', enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
    this.signingKey = new kms.Key(this, 'SigningKey', {
      description: 'logveil: signs the checkpoints of the security chains (ES256)',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const bucket = (name: string, extra: Partial<s3.BucketProps>): s3.Bucket =>
      new s3.Bucket(this, name, {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.dataKey,
        bucketKeyEnabled: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        versioned: true,
        serverAccessLogsBucket: accessLogs,
        serverAccessLogsPrefix: `${name.toLowerCase()}/`,
        removalPolicy: RemovalPolicy.RETAIN,
        ...extra,
      });
    // Security events and the quarantine: written once, kept as written for the retention.
    this.securityBucket = bucket('SecurityEvents', {
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(props.securityRetentionDays ?? 400)),
    });
    this.appBucket = bucket('AppRecords', {});

    this.securityStream = this.stream('SecurityStream', this.securityBucket, 'security');
    // The auditors' detokenize events: a stream of their own, so that a role that may write there
    // cannot add to the functions' chains.
    this.auditStream = this.stream('AuditStream', this.securityBucket, 'audit');
    this.appStream = this.stream('AppStream', this.appBucket, 'app');

    // Failed asynchronous invocations, as they came: kept like the quarantine. Not under the data
    // key: sending to a queue under a key needs Decrypt on it, which the functions must not have.
    const onFailure = new sqs.Queue(this, 'FailedInvocations', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(onFailure).acknowledge({ id: 'AwsSolutions::AwsSolutions-SQS3', reason: 'This queue is the dead-letter destination itself: the functions send their failed invocations here.' });
    const environment = (extra: Record<string, string>): Record<string, string> => ({
      LOGVEIL_KMS_KEY_ID: this.dataKey.keyArn,
      LOGVEIL_SECURITY_STREAM: this.securityStream.ref,
      LOGVEIL_PIPELINE: pipeline,
      LOGVEIL_LEDGER_SIGNING_KEY_ID: this.signingKey.keyArn,
      LOGVEIL_CHECKPOINT_INTERVAL_SECONDS: String(props.checkpointIntervalSeconds ?? 60),
      ...(props.configFile ? { LOGVEIL_CONFIG: `/var/task/${props.configFile}` } : {}),
      ...(props.hashKeyBlob ? { LOGVEIL_HASH_KEY_BLOB: props.hashKeyBlob } : {}),
      // Not the CLI's --max-semi-space-size: a handler redacts on the main thread, which that
      // flag slows (see src/cli/node-flags.ts).
      NODE_OPTIONS: '--enable-source-maps',
      ...extra,
    });
    const fn = (name: string, handler: string, env: Record<string, string>, streams: firehose.CfnDeliveryStream[]): lambda.Function => {
      // The functions log counts and codes, never values (see the README).
      const logGroup = new logs.LogGroup(this, `${name}Logs`, { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
      const role = new iam.Role(this, `${name}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: `logveil ${name}: least privilege` });
      const f = new lambda.Function(this, name, {
        runtime: props.runtime ?? lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.X86_64,
        handler,
        code: props.code,
        role,
        memorySize: 1024,
        timeout: Duration.minutes(1),
        logGroup,
        environment: environment(env),
        onFailure: new destinations.SqsDestination(onFailure),
        retryAttempts: 2,
      });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
      role.addToPolicy(new iam.PolicyStatement({ actions: ['firehose:PutRecordBatch'], resources: streams.map((s) => s.attrArn) }));
      role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [this.dataKey.keyArn], conditions: { StringEquals: { 'kms:EncryptionContext:pipeline': pipeline } } }));
      // The hash key only: hashes must join across cold starts. Token keys are never decrypted here.
      role.addToPolicy(
        new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.dataKey.keyArn], conditions: { StringEquals: { 'kms:EncryptionContext:pipeline': pipeline, 'kms:EncryptionContext:purpose': 'hash' } } }),
      );
      role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Sign', 'kms:GetPublicKey'], resources: [this.signingKey.keyArn] }));
      role.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [onFailure.queueArn] }));
      this.alarms(name, f);
      return f;
    };

    this.subscriptionFunction = fn('Subscription', 'dist/lambda/cloudwatch-subscription.handler', { LOGVEIL_APP_STREAM: this.appStream.ref }, [this.appStream, this.securityStream]);
    this.transformFunction = fn('Transform', 'dist/lambda/firehose-transform.handler', {}, [this.securityStream]);
    props.logGroupNames.forEach((name, i) => {
      const group = logs.LogGroup.fromLogGroupName(this, `Source${i}`, name);
      new logs.SubscriptionFilter(this, `Subscription${i}`, { logGroup: group, destination: new logsDestinations.LambdaDestination(this.subscriptionFunction), filterPattern: logs.FilterPattern.allEvents() });
    });
    // Logs that arrive by Firehose instead: transformed on their way to the app bucket. What does
    // not fit a response is put back into this stream (LOGVEIL_REINGEST_STREAM's default).
    // Named, so that the function's grant names it without depending on it (the stream depends on the function).
    const ingestName = `${this.stackName}-ingest`;
    this.stream('IngestStream', this.appBucket, 'ingest', this.transformFunction, ingestName);
    this.transformFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['firehose:PutRecordBatch'], resources: [this.formatArn({ service: 'firehose', resource: 'deliverystream', resourceName: ingestName })] }));

    // An auditor reverses tokens (`logveil detokenize`): the only role that decrypts token keys.
    this.detokenizeRole = new iam.Role(this, 'DetokenizeRole', { assumedBy: props.auditPrincipal, description: 'logveil detokenize: decrypts token data keys, reads key-created events, records its audit events', maxSessionDuration: Duration.hours(1) });
    this.detokenizeRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.dataKey.keyArn], conditions: { StringEquals: { 'kms:EncryptionContext:pipeline': pipeline, 'kms:EncryptionContext:purpose': 'tokenize' } } }),
    );
    this.detokenizeRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.securityBucket.arnForObjects('security/*')] }));
    const securityId = this.resolve(this.getLogicalId(this.securityBucket.node.defaultChild as CfnElement)) as string;
    Validations.of(this.detokenizeRole).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${securityId}.Arn>/security/*]`, reason: 'The auditor reads the key-created events of the security export, whose objects Firehose names by time.' });
    this.detokenizeRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.securityBucket.bucketArn] }));
    this.detokenizeRole.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.dataKey.keyArn], conditions: { StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` } } }));
    // Its audit events go to the audit stream (`--audit-stream`) before any plaintext is printed.
    this.detokenizeRole.addToPolicy(new iam.PolicyStatement({ actions: ['firehose:PutRecordBatch'], resources: [this.auditStream.attrArn] }));

    // Silence alarms: a security stream that takes nothing in for 15 minutes while the functions run.
    new cloudwatch.Alarm(this, 'SecurityStreamSilent', {
      alarmDescription: 'logveil: no security events reached the security stream for 15 minutes',
      metric: new cloudwatch.Metric({ namespace: 'AWS/Firehose', metricName: 'IncomingRecords', dimensionsMap: { DeliveryStreamName: this.securityStream.ref }, period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    // What an operator or auditor names on the command line (infra/README.md).
    const outputs: Record<string, [string, string]> = {
      AuditStreamName: [this.auditStream.ref, 'the audit stream: `logveil detokenize --audit-stream`'],
      SecurityBucketName: [this.securityBucket.bucketName, 'the security export (security/) and the audit export (audit/): `ledger verify --export`, `detokenize --keys-from`'],
      AppBucketName: [this.appBucket.bucketName, 'the redacted app records'],
      SigningKeyArn: [this.signingKey.keyArn, "the checkpoints' signing key: its public half verifies the export"],
      DetokenizeRoleArn: [this.detokenizeRole.roleArn, 'the role an auditor assumes to reverse tokens'],
    };
    for (const [id, [value, description]] of Object.entries(outputs)) new CfnOutput(this, id, { value, description });
  }

  /**
   * A Firehose stream into `target` under `prefix`, gzipped, encrypted under the data key, with a
   * role of its own that may write there and nothing else (the L2 construct's grants include
   * `s3:DeleteObject*` and other wildcards); `processor` transforms its records.
   */
  private stream(name: string, target: s3.Bucket, prefix: string, processor?: lambda.Function, streamName?: string): firehose.CfnDeliveryStream {
    const role = new iam.Role(this, `${name}Role`, { assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': this.account } } }), description: `logveil ${name}: writes its bucket` });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], resources: [target.bucketArn] }));
    const objects = [`${prefix}/*`, `${prefix}-errors/*`];
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'], resources: objects.map((o) => target.arnForObjects(o)) }));
    const bucketId = this.resolve(this.getLogicalId(target.node.defaultChild as CfnElement)) as string;
    for (const o of objects) {
      Validations.of(role).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${o}]`, reason: 'Firehose names the objects it writes by time, under this prefix of its own.' });
    }
    // With an S3 Bucket Key (the buckets' default), S3 asks KMS under the bucket's ARN as the
    // encryption context; without one, under the object's.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.dataKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` }, StringLike: { 'kms:EncryptionContext:aws:s3:arn': [target.bucketArn, target.arnForObjects(`${prefix}*`)] } },
      }),
    );
    // Firehose invokes the processor's $LATEST version, as its ARN below names it.
    const processorArn = processor ? `${processor.functionArn}:$LATEST` : undefined;
    if (processor) role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'], resources: [processor.functionArn, processorArn as string] }));
    const stream = new firehose.CfnDeliveryStream(this, name, {
      ...(streamName ? { deliveryStreamName: streamName } : {}),
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: target.bucketArn,
        roleArn: role.roleArn,
        prefix: `${prefix}/!{timestamp:yyyy/MM/dd/HH}/`,
        errorOutputPrefix: `${prefix}-errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/`,
        compressionFormat: 'GZIP',
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: this.dataKey.keyArn } },
        bufferingHints: { intervalInSeconds: 60, sizeInMBs: 64 },
        ...(processor
          ? {
              processingConfiguration: {
                enabled: true,
                processors: [{ type: 'Lambda', parameters: [{ parameterName: 'LambdaArn', parameterValue: processorArn as string }, { parameterName: 'BufferIntervalInSeconds', parameterValue: '60' }] }],
              },
            }
          : {}),
      },
    });
    stream.node.addDependency(role);
    return stream;
  }

  /** Errors and undelivered events of one function. */
  private alarms(name: string, f: lambda.Function): void {
    new cloudwatch.Alarm(this, `${name}Errors`, {
      alarmDescription: `logveil ${name}: invocations failed (delivery uncertain, or no key to quarantine with)`,
      metric: f.metricErrors({ period: Duration.minutes(5) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    new cloudwatch.Alarm(this, `${name}Throttles`, {
      alarmDescription: `logveil ${name}: invocations throttled`,
      metric: f.metricThrottles({ period: Duration.minutes(5) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
