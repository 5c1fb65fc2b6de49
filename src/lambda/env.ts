/**
 * The Lambda handlers' configuration: environment variables, read once at init and validated
 * together, so a bad deployment fails its init with every problem listed. Pattern packs, actions
 * and limits come from an optional logveil config file (`LOGVEIL_CONFIG`) bundled with the function.
 */
import { isAbsolute } from 'node:path';
import { loadConfig, type LogveilConfig } from '../config/config.js';
import { ConfigError, formatProblem, LogveilError } from '../errors.js';
import type { RetryPolicy } from '../sinks/firehose/retry.js';

/** Which handler a function runs; some variables are required by some handlers only. */
export type HandlerKind = 'cloudwatch-subscription' | 'firehose-transform' | 'kinesis';

/** The validated configuration of one function. */
export interface LambdaConfig {
  kind: HandlerKind;
  region: string;
  /** An endpoint override for KMS and Firehose (tests, VPC endpoints). */
  endpoint?: string;
  kmsKeyId: string;
  /** Names the deployment in every data key's encryption context. */
  pipeline: string;
  /** Redacted app records; unset for the Firehose transform, which returns them. */
  appStream?: string;
  securityStream: string;
  /** Encrypted quarantine entries (default: the security stream). */
  quarantineStream: string;
  /** Transform only: where records that do not fit the response go (default: the invoking stream). */
  reingestStream?: string;
  /** An encrypted hash key made once per deployment, so hashes join across cold starts. */
  hashKeyBlob?: Buffer;
  stateDir: string;
  deploymentId: string;
  logveil: LogveilConfig;
  delivery: RetryPolicy;
  kmsRetry: RetryPolicy;
  /** Transform only: the response budget (Lambda's limit is 6 MB). */
  maxResponseBytes: number;
  /** Largest decompressed payload accepted. */
  maxPayloadBytes: number;
  /** An asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) that signs checkpoints of the security chain. */
  signingKeyId?: string;
  /** Least time between two checkpoints of an instance's chain (0: every invocation that adds entries). */
  checkpointIntervalMs: number;
}

/** Every variable the handlers read, for documentation and tests. */
export const LAMBDA_ENV = [
  'AWS_REGION',
  'LOGVEIL_KMS_KEY_ID',
  'LOGVEIL_SECURITY_STREAM',
  'LOGVEIL_APP_STREAM',
  'LOGVEIL_QUARANTINE_STREAM',
  'LOGVEIL_REINGEST_STREAM',
  'LOGVEIL_PIPELINE',
  'LOGVEIL_CONFIG',
  'LOGVEIL_HASH_KEY_BLOB',
  'LOGVEIL_STATE_DIR',
  'LOGVEIL_AWS_ENDPOINT',
  'LOGVEIL_DELIVERY_MAX_ATTEMPTS',
  'LOGVEIL_DELIVERY_BASE_DELAY_MS',
  'LOGVEIL_DELIVERY_MAX_DELAY_MS',
  'LOGVEIL_KMS_MAX_ATTEMPTS',
  'LOGVEIL_MAX_RESPONSE_BYTES',
  'LOGVEIL_MAX_PAYLOAD_BYTES',
  'LOGVEIL_LEDGER_SIGNING_KEY_ID',
  'LOGVEIL_CHECKPOINT_INTERVAL_SECONDS',
] as const;

/** Every problem of a Lambda environment, at once. */
export class LambdaConfigError extends LogveilError {
  readonly problems: readonly string[];

  constructor(kind: HandlerKind, problems: readonly string[]) {
    const n = problems.length;
    super('CONFIG_INVALID', `${n} problem${n === 1 ? '' : 's'} in the ${kind} function's environment:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;
const PIPELINE = /^[A-Za-z0-9._:/-]{1,128}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates the environment for handler `kind`.
 *
 * @throws LambdaConfigError listing every problem (variable name and what is wrong; never a value
 *   that could be secret).
 */
export function loadLambdaConfig(env: Env, kind: HandlerKind): LambdaConfig {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const required = (name: string, why = 'is required'): string => {
    const v = get(name);
    if (v === undefined) problems.push(`${name} ${why}`);
    return v ?? '';
  };
  const stream = (name: string, need: boolean): string | undefined => {
    const v = need ? required(name, `is required (the Firehose stream for ${streamRole(name)})`) : get(name);
    if (v !== undefined && v !== '' && !STREAM_NAME.test(v)) problems.push(`${name} must be a Firehose stream name (1-64 of [a-zA-Z0-9_.-])`);
    return v;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const v = get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };

  const region = required('AWS_REGION');
  if (region && !REGION.test(region)) problems.push('AWS_REGION must be a region name such as us-east-1');
  const kmsKeyId = required('LOGVEIL_KMS_KEY_ID', 'is required (the KMS key that wraps data keys)');
  if (/\s/.test(kmsKeyId)) problems.push('LOGVEIL_KMS_KEY_ID must be a key id, key ARN, alias name or alias ARN');
  const securityStream = stream('LOGVEIL_SECURITY_STREAM', true) ?? '';
  const appStream = stream('LOGVEIL_APP_STREAM', kind !== 'firehose-transform');
  const quarantineStream = stream('LOGVEIL_QUARANTINE_STREAM', false) ?? securityStream;
  const reingestStream = stream('LOGVEIL_REINGEST_STREAM', false);
  if (appStream && appStream === securityStream) problems.push('LOGVEIL_APP_STREAM must differ from LOGVEIL_SECURITY_STREAM: app and security records never share a stream');
  const pipeline = get('LOGVEIL_PIPELINE') ?? 'logveil';
  if (!PIPELINE.test(pipeline)) problems.push('LOGVEIL_PIPELINE must be 1-128 of [A-Za-z0-9._:/-]');
  const endpoint = get('LOGVEIL_AWS_ENDPOINT');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+(\/.*)?$/.test(endpoint)) problems.push('LOGVEIL_AWS_ENDPOINT must be an http(s) URL');
  const blob = get('LOGVEIL_HASH_KEY_BLOB');
  if (blob !== undefined && (!BASE64.test(blob) || blob.length % 4 !== 0)) problems.push('LOGVEIL_HASH_KEY_BLOB must be the base64 CiphertextBlob of a KMS data key');
  const stateDir = get('LOGVEIL_STATE_DIR') ?? '/tmp/logveil';
  if (!isAbsolute(stateDir)) problems.push('LOGVEIL_STATE_DIR must be an absolute path (Lambda can write only under /tmp)');
  const delivery: RetryPolicy = {
    maxAttempts: int('LOGVEIL_DELIVERY_MAX_ATTEMPTS', 5, 1, 20),
    baseDelayMs: int('LOGVEIL_DELIVERY_BASE_DELAY_MS', 100, 1, 60_000),
    maxDelayMs: int('LOGVEIL_DELIVERY_MAX_DELAY_MS', 5_000, 1, 300_000),
  };
  if (delivery.maxDelayMs < delivery.baseDelayMs) problems.push('LOGVEIL_DELIVERY_MAX_DELAY_MS must not be below LOGVEIL_DELIVERY_BASE_DELAY_MS');
  const kmsRetry: RetryPolicy = { maxAttempts: int('LOGVEIL_KMS_MAX_ATTEMPTS', 5, 1, 20), baseDelayMs: delivery.baseDelayMs, maxDelayMs: delivery.maxDelayMs };
  const maxResponseBytes = int('LOGVEIL_MAX_RESPONSE_BYTES', 6_000_000, 1024, 6 * 1024 * 1024);
  const maxPayloadBytes = int('LOGVEIL_MAX_PAYLOAD_BYTES', 64 * 1024 * 1024, 1024, 1024 * 1024 * 1024);
  const signingKeyId = get('LOGVEIL_LEDGER_SIGNING_KEY_ID');
  if (signingKeyId !== undefined && /\s/.test(signingKeyId)) problems.push('LOGVEIL_LEDGER_SIGNING_KEY_ID must be a key id, key ARN, alias name or alias ARN');
  const checkpointIntervalMs = 1000 * int('LOGVEIL_CHECKPOINT_INTERVAL_SECONDS', 60, 0, 86_400);

  let logveil: LogveilConfig | undefined;
  try {
    logveil = loadConfig(get('LOGVEIL_CONFIG'), env as NodeJS.ProcessEnv);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems.map((p) => `LOGVEIL_CONFIG: ${formatProblem(p)}`));
  }
  if (problems.length > 0 || !logveil) throw new LambdaConfigError(kind, problems);
  return {
    kind,
    region,
    ...(endpoint ? { endpoint } : {}),
    kmsKeyId,
    pipeline,
    ...(appStream ? { appStream } : {}),
    securityStream,
    quarantineStream,
    ...(reingestStream ? { reingestStream } : {}),
    ...(blob ? { hashKeyBlob: Buffer.from(blob, 'base64') } : {}),
    stateDir,
    deploymentId: [get('AWS_LAMBDA_FUNCTION_NAME'), get('AWS_LAMBDA_FUNCTION_VERSION')].filter(Boolean).join(':') || `logveil-${kind}`,
    logveil: { ...logveil, stateDir },
    delivery,
    kmsRetry,
    maxResponseBytes,
    maxPayloadBytes,
    ...(signingKeyId ? { signingKeyId } : {}),
    checkpointIntervalMs,
  };
}

function streamRole(name: string): string {
  if (name === 'LOGVEIL_APP_STREAM') return 'redacted app records';
  if (name === 'LOGVEIL_SECURITY_STREAM') return 'security events';
  return 'records';
}
