/**
 * Cold start and warm reuse: the environment is validated at init with every problem listed, the
 * entry modules fail their init on a bad configuration, the policy is compiled once, and a warm
 * invocation reuses the data keys fetched at cold start.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { loadLambdaConfig, LambdaConfigError } from '../../src/lambda/env.js';
import { INIT_KMS_MS } from '../../src/lambda/runtime.js';
import type { AwsTestServer } from '../aws/server.js';
import { awslogsEvent, cwPayload, openHandler, startAws, STREAMS, streamJson } from '../aws/lambda.js';

let aws: { server: AwsTestServer; env: Record<string, string> };
beforeAll(async () => {
  aws = await startAws();
});
afterAll(() => aws.server.close());

function problems(env: Record<string, string>, kind: Parameters<typeof loadLambdaConfig>[1]): readonly string[] {
  try {
    loadLambdaConfig(env, kind);
  } catch (err) {
    expect(err).toBeInstanceOf(LambdaConfigError);
    return (err as LambdaConfigError).problems;
  }
  throw new Error('expected a LambdaConfigError');
}

describe('Lambda environment', () => {
  it('lists every missing variable at once, per handler', () => {
    expect(problems({}, 'cloudwatch-subscription')).toEqual([
      'AWS_REGION is required',
      'LOGVEIL_KMS_KEY_ID is required (the KMS key that wraps data keys)',
      'LOGVEIL_SECURITY_STREAM is required (the Firehose stream for security events)',
      'LOGVEIL_APP_STREAM is required (the Firehose stream for redacted app records)',
    ]);
    expect(problems({}, 'firehose-transform')).not.toContainEqual(expect.stringContaining('LOGVEIL_APP_STREAM'));
  });

  it('lists every invalid value at once, naming the variable, never echoing a secret', () => {
    const config = join(aws.env.LOGVEIL_STATE_DIR as string, 'bad.yaml');
    writeFileSync(config, 'format: xml\nlimits: {maxDepth: 0}\n');
    const found = problems(
      {
        ...aws.env,
        AWS_REGION: 'mars',
        LOGVEIL_APP_STREAM: STREAMS.security,
        LOGVEIL_QUARANTINE_STREAM: 'no spaces allowed',
        LOGVEIL_DELIVERY_MAX_ATTEMPTS: 'many',
        LOGVEIL_STATE_DIR: 'relative/dir',
        LOGVEIL_HASH_KEY_BLOB: 'c2VjcmV0!',
        LOGVEIL_CONFIG: config,
      },
      'kinesis',
    );
    expect(found).toEqual([
      'AWS_REGION must be a region name such as us-east-1',
      'LOGVEIL_QUARANTINE_STREAM must be a Firehose stream name (1-64 of [a-zA-Z0-9_.-])',
      'LOGVEIL_APP_STREAM must differ from LOGVEIL_SECURITY_STREAM: app and security records never share a stream',
      'LOGVEIL_HASH_KEY_BLOB must be the base64 CiphertextBlob of a KMS data key',
      'LOGVEIL_STATE_DIR must be an absolute path (Lambda can write only under /tmp)',
      'LOGVEIL_DELIVERY_MAX_ATTEMPTS must be an integer from 1 to 20',
      expect.stringMatching(/^LOGVEIL_CONFIG: .*bad\.yaml:1 /),
      expect.stringMatching(/^LOGVEIL_CONFIG: .*bad\.yaml:2 /),
    ]);
    expect(found.join('\n')).not.toContain('c2VjcmV0');
  });
});

describe('entry modules', () => {
  const saved = { ...process.env };
  const setEnv = (env: Record<string, string | undefined>): void => {
    for (const k of Object.keys(process.env)) if (k.startsWith('LOGVEIL_')) delete process.env[k];
    Object.assign(process.env, env);
  };
  afterAll(() => {
    process.env = saved;
  });

  it('fail their init on a bad configuration, with every problem listed', async () => {
    setEnv({ AWS_REGION: 'us-east-1', LOGVEIL_SECURITY_STREAM: 'bad name' });
    vi.resetModules();
    await expect(import('../../src/lambda/cloudwatch-subscription.js')).rejects.toThrow(
      "3 problems in the cloudwatch-subscription function's environment:\n  LOGVEIL_KMS_KEY_ID is required (the KMS key that wraps data keys)\n  LOGVEIL_SECURITY_STREAM must be a Firehose stream name (1-64 of [a-zA-Z0-9_.-])\n  LOGVEIL_APP_STREAM is required",
    );
  });

  it('compile the policy once at cold start; warm invocations reuse it and the cached data keys', async () => {
    setEnv({ ...aws.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', LOGVEIL_STATE_DIR: `${aws.env.LOGVEIL_STATE_DIR}/entry` });
    const before = aws.server.count('GenerateDataKey');
    vi.resetModules();
    const { handler } = await import('../../src/lambda/cloudwatch-subscription.js');
    expect(aws.server.count('GenerateDataKey') - before).toBe(2); // token and quarantine keys, at init
    const runtime = handler.runtime;
    expect(runtime.initMs).toBeGreaterThan(0);
    await handler(awslogsEvent(cwPayload(['user maria.lopez@corp-mail.net'], 'w1')));
    await handler(awslogsEvent(cwPayload(['user maria.lopez@corp-mail.net'], 'w2')));
    expect(handler.runtime).toBe(runtime);
    expect(aws.server.count('GenerateDataKey') - before).toBe(2);
    expect(runtime.metrics.snapshot()).toMatchObject({ coldStarts: 1, invocations: 2 });
    // Deterministic tokens under the one cached key: the same value gives the same token in both invocations.
    const messages = streamJson(aws.server, STREAMS.app).filter((e) => /^w[12]-/.test(e.id as string)).map((e) => e.message);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toBe(messages[1]);
  });

  it('give up the data keys of a cold start whose KMS hangs within its budget, inside Lambda\'s 10 s init limit; the first invocation asks again', async () => {
    aws.server.fail({ target: 'GenerateDataKey', kind: 'latency', latencyMs: 9_000, times: 1 });
    const started = Date.now();
    const sub = await openHandler('cloudwatch-subscription', { ...aws.env, LOGVEIL_STATE_DIR: `${aws.env.LOGVEIL_STATE_DIR}/hung-init` }, { kmsClient: aws.server.kmsClient(10_000) });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(INIT_KMS_MS - 500);
    expect(took).toBeLessThan(INIT_KMS_MS + 2_000);
    const before = aws.server.count('GenerateDataKey');
    await sub(awslogsEvent(cwPayload(['user maria.lopez@corp-mail.net'], 'after-hung-init')));
    expect(aws.server.count('GenerateDataKey') - before).toBe(2);
    expect(sub.runtime.metrics.snapshot()).toMatchObject({ recordsIn: 1, appOut: 1 });
  }, 20_000);
});

describe('hash keys', () => {
  it('need a deployment hash key, so that hashes join across cold starts', async () => {
    const config = join(aws.env.LOGVEIL_STATE_DIR as string, 'hash.yaml');
    writeFileSync(config, 'actions:\n  byCategory:\n    pii: {type: hash}\n');
    const env = { ...aws.env, LOGVEIL_CONFIG: config };
    await expect(openHandler('cloudwatch-subscription', env)).rejects.toThrow(/LOGVEIL_HASH_KEY_BLOB is required/);
    const made = await aws.server.kmsClient().send(new GenerateDataKeyCommand({ KeyId: 'alias/logveil-test', KeySpec: 'AES_256', EncryptionContext: { pipeline: 'logveil-test', purpose: 'hash' } }));
    const blob = Buffer.from(made.CiphertextBlob as Uint8Array).toString('base64');
    const tokens: unknown[] = [];
    for (const dir of ['cold-1', 'cold-2']) {
      const sub = await openHandler('cloudwatch-subscription', { ...env, LOGVEIL_HASH_KEY_BLOB: blob, LOGVEIL_STATE_DIR: `${aws.env.LOGVEIL_STATE_DIR}/${dir}` });
      await sub(awslogsEvent(cwPayload(['user maria.lopez@corp-mail.net'], dir)));
      tokens.push(streamJson(aws.server, STREAMS.app).find((e) => e.id === `${dir}-0`)?.message);
    }
    expect(tokens[0]).toMatch(/^user \[\[EMAIL:h1\.[A-Za-z0-9_-]+\]\]$/);
    expect(tokens[1]).toBe(tokens[0]);
  });
});
