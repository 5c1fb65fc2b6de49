/**
 * Wiring done once per run: config -> policy -> keys -> security sink. Commands and tests open a
 * runtime, use it, and close it (which zeroes every data key).
 */
import { join } from 'node:path';
import { ActionPolicy } from '../act/actions.js';
import type { LogveilConfig } from '../config/config.js';
import { DataKeyCache } from '../crypto/keys/cache.js';
import { LocalKeyProvider } from '../crypto/keys/local.js';
import type { KeyProvider } from '../crypto/keys/provider.js';
import { KeyRegistry } from '../crypto/keys/registry.js';
import { CompiledPolicy } from '../detect/compile.js';
import { loadPolicy } from '../detect/load.js';
import { JsonLinesSecuritySink, type SecuritySink } from '../sinks/security-events.js';
import type { SecurityEvent } from '../telemetry/events.js';

export const VERSION = '0.1.0';

/** Encryption context of every data key logveil generates: names the pipeline and the purpose. */
export const KEY_CONTEXT = { pipeline: 'logveil', purpose: 'tokenize' } as const;

export interface Runtime {
  config: LogveilConfig;
  policy: CompiledPolicy;
  actions: ActionPolicy;
  provider: KeyProvider;
  registry: KeyRegistry;
  keys: DataKeyCache;
  security: SecuritySink;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Security events file; default `<stateDir>/security-events.jsonl`. */
  eventsPath?: string;
  /** A key provider other than the local one (tests inject faults here). */
  provider?: KeyProvider;
}

export async function openRuntime(config: LogveilConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  const policy = new CompiledPolicy(loadPolicy(config.patterns));
  const provider = options.provider ?? (await LocalKeyProvider.open(config.stateDir));
  const registry = await KeyRegistry.open(join(config.stateDir, 'keys.jsonl'));
  const security = new JsonLinesSecuritySink(options.eventsPath ?? join(config.stateDir, 'security-events.jsonl'));
  const keys = new DataKeyCache(provider, registry, {
    maxAgeMs: config.keys.maxKeyAgeMs,
    maxUses: config.keys.maxKeyUses,
    context: KEY_CONTEXT,
    onKeyCreated: async (rec) => {
      const event: SecurityEvent = {
        type: 'key-created',
        ts: rec.created,
        policyHash: policy.hash,
        kid: rec.kid,
        provider: rec.provider,
        keyId: rec.keyId,
        purpose: rec.purpose,
      };
      await security.write([event]);
      await security.flush();
    },
  });
  return {
    config,
    policy,
    actions: new ActionPolicy(config.actions),
    provider,
    registry,
    keys,
    security,
    async close() {
      keys.close();
      await security.close();
    },
  };
}
