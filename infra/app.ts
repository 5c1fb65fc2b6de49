/**
 * The CDK app: `npm run infra:synth` writes the CloudFormation template to `cdk.out/`, which
 * `npx aws-cdk deploy --app cdk.out` deploys. Settings come from the environment:
 *
 *   LOGVEIL_CODE_DIR        the function bundle (infra/README.md says how to build it)
 *   LOGVEIL_LOG_GROUPS      comma-separated log group names to subscribe
 *   LOGVEIL_AUDIT_ROLE_ARN  the role that may assume the detokenize role
 *   LOGVEIL_PIPELINE, LOGVEIL_SECURITY_RETENTION_DAYS, LOGVEIL_CONFIG_FILE (a config file in the
 *   bundle), LOGVEIL_HASH_KEY_BLOB  optional
 */
import { App, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LogveilStack } from './stack.js';

const env = process.env;
const missing = ['LOGVEIL_CODE_DIR', 'LOGVEIL_LOG_GROUPS', 'LOGVEIL_AUDIT_ROLE_ARN'].filter((k) => !env[k]);
if (missing.length > 0) {
  process.stderr.write(`infra: set ${missing.join(', ')} (see infra/README.md)\n`);
  process.exit(2);
}
const app = new App({ outdir: 'cdk.out' });
new LogveilStack(app, 'Logveil', {
  code: lambda.Code.fromAsset(env.LOGVEIL_CODE_DIR as string),
  logGroupNames: (env.LOGVEIL_LOG_GROUPS as string).split(',').map((s) => s.trim()).filter(Boolean),
  auditPrincipal: new iam.ArnPrincipal(env.LOGVEIL_AUDIT_ROLE_ARN as string),
  ...(env.LOGVEIL_PIPELINE ? { pipeline: env.LOGVEIL_PIPELINE } : {}),
  ...(env.LOGVEIL_SECURITY_RETENTION_DAYS ? { securityRetentionDays: Number(env.LOGVEIL_SECURITY_RETENTION_DAYS) } : {}),
  ...(env.LOGVEIL_CONFIG_FILE ? { configFile: env.LOGVEIL_CONFIG_FILE } : {}),
  ...(env.LOGVEIL_HASH_KEY_BLOB ? { hashKeyBlob: env.LOGVEIL_HASH_KEY_BLOB } : {}),
});
// The AwsSolutions checks run at synthesis: a finding the stack does not acknowledge fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
