/**
 * What a function instance sets up once, at cold start, and reuses while warm: the compiled
 * policy, the KMS key provider and data-key caches (token and quarantine keys, generated once and
 * reused until they reach their age or use bound), the Firehose streams, the metrics, and the
 * instance's chain of security events (see sinks/ledger/stream-chain.ts), with its checkpoint
 * signer when `LOGVEIL_LEDGER_SIGNING_KEY_ID` names one.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { KMSClient } from '@aws-sdk/client-kms';
import { ActionPolicy } from '../act/actions.js';
import { actionNameProblems } from '../config/config.js';
import { DataKeyCache, type DataKey, type HashKey } from '../crypto/keys/cache.js';
import { createKmsClient, KmsKeyProvider, KmsSigner } from '../crypto/keys/kms.js';
import type { KeyProvider } from '../crypto/keys/provider.js';
import { kidFor, KeyRegistry, type KeyRecord } from '../crypto/keys/registry.js';
import { CompiledPolicy } from '../detect/compile.js';
import { keepAddressRanges } from '../detect/keep-ranges.js';
import { loadPolicy } from '../detect/load.js';
import { ConfigError, LogveilError } from '../errors.js';
import { needsHashKey } from '../pipeline/engine.js';
import { CompiledRouting } from '../route/compile.js';
import { loadRoutingRules } from '../route/load.js';
import { ThresholdGate } from '../route/threshold.js';
import { RecentSet } from '../util/bounded-map.js';
import { VERSION } from '../pipeline/runtime.js';
import { createFirehoseClient, FirehoseStream } from '../sinks/firehose/stream.js';
import { kmsLedgerSigner } from '../sinks/ledger/kms-signer.js';
import type { LedgerSigner } from '../sinks/ledger/signer.js';
import { StreamChain } from '../sinks/ledger/stream-chain.js';
import { keyCreatedEvent, type KeyCreatedEvent, type SecurityEvent } from '../telemetry/events.js';
import { detectorCategories, EngineTelemetry } from '../telemetry/metrics.js';
import { LambdaConfigError, type LambdaConfig } from './env.js';
import { LambdaMetrics, type StreamRole } from './metrics.js';
import type { LambdaRouting } from './redact.js';
import { PendingLines } from './pending-lines.js';

/** Replaceable parts, for tests and the bench; production passes none. */
export interface LambdaDeps {
  kmsClient?: KMSClient;
  firehoseClient?: FirehoseClient;
  /** Replaces KMS altogether (the bench uses a local provider). */
  keyProvider?: KeyProvider;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** The keys one invocation redacts with, fetched before the (synchronous) batch core runs. */
export interface BatchKeys {
  /** The token key, or why there is none: records that need it are quarantined. */
  tokenKey: DataKey | LogveilError;
  hashKey: HashKey | undefined;
  quarantineKey: DataKey;
}

/** A key-created event with what detokenize needs to find the key again after /tmp is gone. */
export interface LambdaKeyCreatedEvent extends KeyCreatedEvent {
  encryptedKey: string;
  context: Record<string, string>;
}

/** See the module notes. */
export interface LambdaRuntime {
  readonly config: LambdaConfig;
  readonly policy: CompiledPolicy;
  readonly actions: ActionPolicy;
  /** Security routing rules, and the instance's threshold counts (see RedactSetup.routing). */
  readonly routing: LambdaRouting;
  readonly metrics: LambdaMetrics;
  readonly telemetry: EngineTelemetry;
  readonly app: FirehoseStream | undefined;
  readonly security: FirehoseStream;
  readonly quarantine: FirehoseStream;
  /** Milliseconds the cold start took (policy compile, clients, key prefetch). */
  readonly initMs: number;
  /** A stream by name (the transform's re-ingest target), made once. */
  stream(name: string, role: StreamRole): FirehoseStream;
  /** Keys for one invocation; throws only when there is no quarantine key (fail closed). */
  batchKeys(): Promise<BatchKeys>;
  /** The instance's chain of security events. */
  readonly chain: StreamChain;
  /** Security events sealed into the chain, as the lines to send (see StreamChain.seal). */
  sealEvents(events: readonly SecurityEvent[]): string[];
  /**
   * A signed checkpoint of the chain's head, when a signer is configured, the head moved since
   * the last one and the checkpoint interval has passed; a signer that fails is counted
   * (`checkpointFailures`) and tried again at the next invocation: the entries stay unsigned.
   */
  checkpointLine(): Promise<string | undefined>;
  /** Sealed lines not yet delivered (the instance's run-start first); the next invocation sends them. */
  takePendingLines(): string[];
  /**
   * Keeps sealed lines that could not be delivered for the next delivery, which sends them first,
   * in chain order: a sealed entry is sent again as it is, or its chain has a gap. Past
   * {@link MAX_PENDING_EVENTS} the newest are given up, counted as `securityEventsLost`
   * (`ledger verify --export` reports the gap they leave; see pending-lines.ts).
   */
  requeuePendingLines(lines: readonly string[]): void;
  /**
   * Deadline of the current invocation's deliveries. Its KMS calls (data keys, checkpoint
   * signatures) end sooner, at {@link keyDeadline}, leaving time to deliver what they cost.
   */
  setDeadline(deadline: number | undefined): void;
  close(): void;
}

/**
 * Routed records an instance remembers (their sources), so that an input the platform sends again
 * is not routed, nor counted towards a threshold, twice (about 200 bytes each).
 */
export const ROUTED_REMEMBERED = 50_000;

/** Security events an instance keeps for later delivery at most (about 1 KB each). */
export const MAX_PENDING_EVENTS = 10_000;

/** How long the cold start's KMS calls (the first data keys, the signer's public key) may take in all. */
export const INIT_KMS_MS = 6_000;

/**
 * When an invocation's KMS calls must end, given its delivery deadline: two thirds of the time
 * left to it. A KMS that hangs or throttles then costs the invocation its keys, not its answer:
 * the time after is left to deliver the security events that say what it dropped.
 */
export function keyDeadline(deadline: number | undefined, now = Date.now()): number | undefined {
  return deadline === undefined ? undefined : now + Math.floor((Math.max(0, deadline - now) * 2) / 3);
}

/**
 * Compiles the policy and wires keys and streams. Key prefetch failures do not fail the init: the
 * invocation that needs the key fails closed instead, and the platform retries it.
 *
 * @throws PolicyError for invalid packs; LambdaConfigError when the policy needs a hash key and
 *   `LOGVEIL_HASH_KEY_BLOB` is unset.
 */
export async function openLambdaRuntime(config: LambdaConfig, deps: LambdaDeps = {}): Promise<LambdaRuntime> {
  const started = performance.now();
  const spec = keepAddressRanges(loadPolicy(config.logveil.patterns), config.logveil.network.keepRanges);
  const actionProblems = actionNameProblems(config.logveil.actions, spec);
  if (actionProblems.length > 0) throw new ConfigError(actionProblems);
  // Threshold group keys are salted per instance, as a CLI run salts them per run.
  const routing = new CompiledRouting(loadRoutingRules(config.logveil.routing.patterns), { groupKeySalt: randomBytes(16) });
  const policy = new CompiledPolicy(spec, { maxDepth: config.logveil.limits.maxDepth, extraLinePatterns: routing.linePatterns });
  const actions = new ActionPolicy(config.logveil.actions);
  const needsHash = needsHashKey(policy, actions);
  if (needsHash && !config.hashKeyBlob) {
    throw new LambdaConfigError(config.kind, ['LOGVEIL_HASH_KEY_BLOB is required: the policy hashes values, and hashes must join across cold starts']);
  }
  const metrics = new LambdaMetrics();
  const retryHooks = { ...(deps.sleep ? { sleep: deps.sleep } : {}), ...(deps.random ? { random: deps.random } : {}) };
  const clientOptions = { region: config.region, ...(config.endpoint ? { endpoint: config.endpoint } : {}), ...(deps.credentials ? { credentials: deps.credentials } : {}) };
  const provider =
    deps.keyProvider ??
    new KmsKeyProvider({
      client: deps.kmsClient ?? createKmsClient(clientOptions),
      keyId: config.kmsKeyId,
      ...config.kmsRetry,
      ...retryHooks,
      onRetry: (info) => metrics.kmsRetry(info),
      deadline: () => kmsDeadline,
    });
  const firehose = deps.firehoseClient ?? createFirehoseClient(clientOptions);
  let deadline: number | undefined;
  // Until the first invocation sets one, the cold start's: its key fetch is worth trying, not
  // worth outlasting Lambda's 10 s init limit, past which the init runs again in an invocation.
  let kmsDeadline: number | undefined = Date.now() + INIT_KMS_MS;
  const streams = new Map<string, FirehoseStream>();
  const stream = (name: string, role: StreamRole): FirehoseStream => {
    const key = `${role}\0${name}`;
    let s = streams.get(key);
    if (!s) {
      s = new FirehoseStream({ client: firehose, streamName: name, retry: config.delivery, ...retryHooks, onEvent: (e) => metrics.delivery(role, e) });
      streams.set(key, s);
    }
    return s;
  };
  const security = stream(config.securityStream, 'security');
  const chain = new StreamChain(config.deploymentId);
  const pending = new PendingLines(MAX_PENDING_EVENTS, (lost) => metrics.add('securityEventsLost', lost));

  const registry = await KeyRegistry.open(join(config.stateDir, 'keys.jsonl'));
  if (config.hashKeyBlob) await seedHashKey(registry, config, provider.name);
  // A key is used only once its event (with the wrapped key) is on the security stream. The lines
  // still pending go with it, before it: at cold start the chain's segment entry and run-start,
  // which an instance that is never invoked would otherwise keep, leaving its export a gap.
  const onKeyCreated = async (rec: KeyRecord): Promise<void> => {
    const event: LambdaKeyCreatedEvent = { ...keyCreatedEvent(policy.hash, rec), encryptedKey: rec.encryptedKey, context: rec.context };
    const lines = [...pending.take(), ...chain.seal([event])];
    const result = await security.putLines(
      lines.map((line, tag) => ({ line, tag })),
      deadline !== undefined ? { deadline } : {},
    );
    if (result.failed.length === 0) return;
    const failed = new Set(result.failed.flatMap((f) => f.record.tags));
    pending.add(lines.filter((_, i) => failed.has(i)));
    if (failed.has(lines.length - 1)) {
      throw new LogveilError('SECURITY_SINK_FAILED', `key-created event not delivered to Firehose stream ${security.streamName} (last error ${result.failed[0]?.code ?? 'unknown'})`);
    }
  };
  const bounds = { maxAgeMs: config.logveil.keys.maxKeyAgeMs, maxUses: config.logveil.keys.maxKeyUses };
  const keys = new DataKeyCache(provider, registry, { ...bounds, context: { pipeline: config.pipeline, purpose: 'tokenize' }, onKeyCreated });
  const quarantineKeys = new DataKeyCache(provider, registry, {
    maxAgeMs: Number.MAX_SAFE_INTEGER,
    maxUses: Number.MAX_SAFE_INTEGER,
    context: { pipeline: config.pipeline, purpose: 'quarantine' },
    onKeyCreated,
  });

  const batchKeys = async (): Promise<BatchKeys> => {
    const quarantineKey = await quarantineKeys.current();
    const hashKey = needsHash ? await keys.hashKey().catch(() => undefined) : undefined;
    let tokenKey: DataKey | LogveilError;
    try {
      tokenKey = await keys.current();
    } catch (err) {
      tokenKey = err instanceof LogveilError ? err : new LogveilError('KEY_UNAVAILABLE', 'no token data key');
    }
    return { tokenKey, hashKey, quarantineKey };
  };
  // The deployment id (function name and version) names the subject of a missing-heartbeat alarm.
  const runStart = { type: 'run-start' as const, ts: new Date().toISOString(), policyHash: policy.hash, routingHash: routing.hash, version: VERSION, configHash: config.logveil.hash, deploymentId: config.deploymentId };
  pending.add(chain.seal([runStart]));
  // The signer's public key is fetched at cold start; one that cannot be had then is asked for again at the next checkpoint.
  const kmsSigner = config.signingKeyId ? new KmsSigner({ client: deps.kmsClient ?? createKmsClient(clientOptions), keyId: config.signingKeyId, ...config.kmsRetry, ...retryHooks, deadline: () => kmsDeadline }) : undefined;
  let signer: Promise<LedgerSigner> | undefined;
  const ledgerSigner = (): Promise<LedgerSigner> | undefined => {
    if (kmsSigner) signer ??= kmsLedgerSigner(kmsSigner).catch((err: unknown) => ((signer = undefined), Promise.reject(err)));
    return signer;
  };
  await ledgerSigner()?.catch(() => undefined);
  let signedSeq = 0;
  let signedAt = Number.NEGATIVE_INFINITY;
  const checkpointLine = async (): Promise<string | undefined> => {
    const head = chain.head.seq;
    const pendingSigner = ledgerSigner();
    if (!pendingSigner || head === signedSeq || Date.now() - signedAt < config.checkpointIntervalMs) return undefined;
    try {
      const line = await chain.checkpoint(await pendingSigner);
      signedSeq = head;
      signedAt = Date.now();
      return line;
    } catch {
      metrics.add('checkpointFailures');
      return undefined;
    }
  };
  await batchKeys().catch(() => undefined);
  metrics.add('coldStarts');
  return {
    config,
    policy,
    actions,
    routing: { compiled: routing, appStream: config.logveil.routing.appStream, gate: new ThresholdGate(), seen: new RecentSet(ROUTED_REMEMBERED) },
    metrics,
    telemetry: new EngineTelemetry({ categories: detectorCategories(policy.spec) }),
    app: config.appStream ? stream(config.appStream, 'app') : undefined,
    security,
    quarantine: stream(config.quarantineStream, 'quarantine'),
    initMs: performance.now() - started,
    stream,
    batchKeys,
    chain,
    sealEvents: (events) => chain.seal(events),
    checkpointLine,
    takePendingLines: () => pending.take(),
    requeuePendingLines: (lines) => pending.add(lines),
    setDeadline: (d) => {
      deadline = d;
      kmsDeadline = keyDeadline(d);
    },
    close: () => {
      keys.close();
      quarantineKeys.close();
    },
  };
}

/** Registers the deployment's hash key first, so the cache decrypts it rather than making its own. */
async function seedHashKey(registry: KeyRegistry, config: LambdaConfig, provider: string): Promise<void> {
  const blob = config.hashKeyBlob as Buffer;
  await registry.add({
    kid: kidFor(blob),
    provider,
    keyId: config.kmsKeyId,
    encryptedKey: blob.toString('base64'),
    context: { pipeline: config.pipeline, purpose: 'hash' },
    purpose: 'hash',
    created: new Date(0).toISOString(),
  });
}
