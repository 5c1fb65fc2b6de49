/**
 * Wiring done once per run: config -> policy -> keys -> security sink. Commands and tests open a
 * runtime, use it, and close it (which zeroes every data key).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ActionPolicy } from '../act/actions.js';
import { actionNameProblems, type LogveilConfig } from '../config/config.js';
import { DataKeyCache, type DataKey } from '../crypto/keys/cache.js';
import { LocalKeyProvider } from '../crypto/keys/local.js';
import type { KeyProvider } from '../crypto/keys/provider.js';
import { KeyRegistry, type KeyRecord } from '../crypto/keys/registry.js';
import { CompiledPolicy } from '../detect/compile.js';
import { keepAddressRanges } from '../detect/keep-ranges.js';
import { loadPolicy } from '../detect/load.js';
import type { PolicySpec } from '../detect/pack.js';
import { CompiledRouting } from '../route/compile.js';
import { loadRoutingRules } from '../route/load.js';
import type { RoutingSpec } from '../route/spec.js';
import { ConfigError, PolicyError, type Problem } from '../errors.js';
import { LedgerSink } from '../sinks/ledger/sink.js';
import { LocalSigner } from '../sinks/ledger/signer.js';
import type { SecuritySink } from '../sinks/security-events.js';
import { keyCreatedEvent } from '../telemetry/events.js';

export { VERSION } from '../version.js';

/** Encryption context of every data key logveil generates: names the pipeline and the purpose. */
export const KEY_CONTEXT = { pipeline: 'logveil', purpose: 'tokenize' } as const;
export const QUARANTINE_CONTEXT = { pipeline: 'logveil', purpose: 'quarantine' } as const;

/** Where a run's security ledger lives by default. */
export function ledgerDirOf(config: LogveilConfig): string {
  return join(config.stateDir, 'ledger');
}

export interface Runtime {
  config: LogveilConfig;
  policy: CompiledPolicy;
  /** Security routing rules, with the salt their threshold keys share with the pool's workers. */
  routing: { compiled: CompiledRouting; salt: Uint8Array; appStream: 'keep' | 'remove' };
  actions: ActionPolicy;
  provider: KeyProvider;
  registry: KeyRegistry;
  keys: DataKeyCache;
  /** The quarantine's key, fetched at start and held for the run. */
  quarantineKey(): Promise<DataKey>;
  security: SecuritySink;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** The security ledger's directory; default `<stateDir>/ledger`. */
  ledgerDir?: string;
  /** Told (without values) when the ledger stalls on a failing write or cannot sign a checkpoint. */
  onProblem?: (message: string) => void;
  /** A key provider other than the local one (tests inject faults here). */
  provider?: KeyProvider;
  /** Whether an action set for a detector or category the policy lacks is a config problem (default: true). */
  checkActions?: boolean;
  /**
   * Told the compiled policy and routing as soon as they are, before the keys and the ledger are
   * opened: a command starts its worker pool here, so that the workers start up while the ledger
   * is read (a quarter of a second and more with a large segment) instead of after.
   */
  onCompiled?: (compiled: Pick<Runtime, 'policy' | 'routing'>) => void;
}

/**
 * The routing rules and the pattern packs of `config`, and its actions checked against the packs'
 * names: the problems of all three are reported together, in one PolicyError, rather than those of
 * the first that has any.
 */
function loadPolicyParts(config: LogveilConfig, checkActions: boolean): { routingRules: RoutingSpec; spec: PolicySpec } {
  const problems: Problem[] = [];
  const failed: string[] = [];
  const attempt = <T>(what: string, load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      problems.push(...err.problems);
      failed.push(what);
      return undefined;
    }
  };
  const routingRules = attempt('routing rules', () => loadRoutingRules(config.routing.patterns));
  const spec = attempt('pattern packs', () => keepAddressRanges(loadPolicy(config.patterns), config.network.keepRanges));
  const actions = spec && checkActions ? actionNameProblems(config.actions, spec) : [];
  if (actions.length > 0 && failed.length === 0) throw new ConfigError(actions);
  if (!routingRules || !spec) throw new PolicyError([...problems, ...actions], [...failed, ...(actions.length > 0 ? ['config'] : [])].join(' and '));
  return { routingRules, spec };
}

export async function openRuntime(config: LogveilConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  const routingSalt = randomBytes(16);
  const { routingRules, spec } = loadPolicyParts(config, options.checkActions !== false);
  const routing = new CompiledRouting(routingRules, { groupKeySalt: routingSalt });
  // Built here only where batches run on this thread (see InlineExecutor): the pool's workers compile their own.
  const policy = new CompiledPolicy(spec, { maxDepth: config.limits.maxDepth, extraLinePatterns: routing.linePatterns, lazy: true });
  const routed: Runtime['routing'] = { compiled: routing, salt: routingSalt, appStream: config.routing.appStream };
  options.onCompiled?.({ policy, routing: routed });
  const provider = options.provider ?? (await LocalKeyProvider.open(config.stateDir));
  const registry = await KeyRegistry.open(join(config.stateDir, 'keys.jsonl'));
  const onProblem = options.onProblem ?? ((message: string) => process.stderr.write(`logveil: ${message}\n`));
  const security = await LedgerSink.open(options.ledgerDir ?? ledgerDirOf(config), {
    signer: await LocalSigner.open(config.stateDir),
    onStall: onProblem,
    onProblem,
  });
  const onKeyCreated = async (rec: KeyRecord): Promise<void> => {
    await security.write([keyCreatedEvent(policy.hash, rec)]);
    await security.flush();
  };
  const keys = new DataKeyCache(provider, registry, {
    maxAgeMs: config.keys.maxKeyAgeMs,
    maxUses: config.keys.maxKeyUses,
    context: KEY_CONTEXT,
    onKeyCreated,
  });
  // One quarantine key per run: it never rotates, so an outage later in the run cannot stop quarantine.
  const quarantineKeys = new DataKeyCache(provider, registry, {
    maxAgeMs: Number.MAX_SAFE_INTEGER,
    maxUses: Number.MAX_SAFE_INTEGER,
    context: QUARANTINE_CONTEXT,
    onKeyCreated,
  });
  return {
    config,
    policy,
    routing: routed,
    actions: new ActionPolicy(config.actions),
    provider,
    registry,
    keys,
    quarantineKey: () => quarantineKeys.current(),
    security,
    async close() {
      keys.close();
      quarantineKeys.close();
      await security.close();
    },
  };
}
