/**
 * logveil's library entry: named exports only.
 */
export { ActionPolicy, type ActionOverrides } from './act/actions.js';
export { redactRecord, type RedactOptions, type RedactOutcome } from './act/redact.js';
export { decodeAwslogsData, type CloudWatchPayload } from './codecs/cloudwatch.js';
export { decodeLine, encodeBody, type LineFormat } from './codecs/jsonl.js';
export { spliceJson } from './codecs/json-splice.js';
export { builtinPatternsDir, loadConfig, type LogveilConfig } from './config/config.js';
export { detokenizeText, type DetokenizeResult } from './crypto/detokenize.js';
export { DataKey, DataKeyCache, HashKey } from './crypto/keys/cache.js';
export { KmsKeyProvider, KmsSigner, verifyCheckpointSignature } from './crypto/keys/kms.js';
export { LocalKeyProvider } from './crypto/keys/local.js';
export type { EncryptionContext, KeyProvider } from './crypto/keys/provider.js';
export { KeyRegistry, type KeyRecord } from './crypto/keys/registry.js';
export { decryptToken, encryptToken, findTokens, hashToken, type TokenMode } from './crypto/token.js';
export { CompiledPolicy } from './detect/compile.js';
export { explainText, type Explanation } from './detect/explain.js';
export { loadPolicy } from './detect/load.js';
export { runPackTests, type PackTestReport } from './detect/packtest.js';
export { scanText, type Match } from './detect/scan.js';
export { AccessDeniedError, CodecError, ConfigError, KeyError, LogveilError, PolicyError, TokenError } from './errors.js';
export { createSubscriptionHandler } from './lambda/subscription.js';
export { createKinesisHandler } from './lambda/kinesis-stream.js';
export { createTransformHandler } from './lambda/transform.js';
export type { Finding, JsonValue, LogRecord, SourceRef } from './record.js';
export { builtinRoutingDir } from './route/builtin.js';
export { CompiledRouting, type RouteMatch } from './route/compile.js';
export { loadRoutingRules } from './route/load.js';
export { processBatch, type BatchResult, type BatchTask } from './pipeline/batch.js';
export { openPool, redactStreams, type EngineOptions, type EnginePool, type InputSource, type PoolOptions } from './pipeline/engine.js';
export { openRuntime, type Runtime } from './pipeline/runtime.js';
export { FirehoseSecuritySink } from './sinks/firehose/security.js';
export { createFirehoseClient, FirehoseStream } from './sinks/firehose/stream.js';
export { kmsLedgerSigner } from './sinks/ledger/kms-signer.js';
export { LedgerSink } from './sinks/ledger/sink.js';
export { LocalSigner, type LedgerSigner } from './sinks/ledger/signer.js';
export { verifyLedger, type VerifyReport } from './sinks/ledger/verify.js';
export type { SecurityEvent } from './telemetry/events.js';
