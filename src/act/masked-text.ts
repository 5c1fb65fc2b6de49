/**
 * A text a person typed or a report shows, as the policy would leave it with every finding masked
 * by its label (`[[PASSWORD]]`): what the detectors find, and what the key rules take in text (a
 * password after its key, a bound parameter after its column, a value spelled in base64), as a
 * record's text body is redacted (see redact.ts).
 */
import type { CompiledPolicy } from '../detect/compile.js';
import { LogveilError } from '../errors.js';
import { ActionPolicy, type ResolvedAction } from './actions.js';
import { redactRecord } from './redact.js';
import type { RedactKeys } from './replace.js';

const MASK: ResolvedAction = { type: 'mask' };

/** Every finding masked: no key rule or detector tokenizes, hashes or drops what it finds here. */
class MaskAll extends ActionPolicy {
  override forDetector(): ResolvedAction {
    return MASK;
  }
  override forKeyRule(): ResolvedAction {
    return MASK;
  }
}

const MASK_ALL = new MaskAll();

/** A mask needs no key. */
const NO_KEYS: RedactKeys = {
  tokenKey: () => {
    throw new LogveilError('KEY_NOT_NEEDED', 'a masked text asks for no token key');
  },
  hashKey: () => {
    throw new LogveilError('KEY_NOT_NEEDED', 'a masked text asks for no hash key');
  },
};

/** What stands for a text that cannot be read through (an encoding nested too deep): all of it. */
const WITHHELD = '[[WITHHELD]]';

/** `text` with every finding of `policy` masked by its label (see the module notes); {@link WITHHELD} when it cannot be read whole. */
export function maskedText(policy: CompiledPolicy, text: string): string {
  try {
    const out = redactRecord({ body: text, structured: false, attributes: {}, resource: {}, source: {} }, { policy, actions: MASK_ALL, maxDepth: 64, keys: NO_KEYS });
    return out.kind === 'keep' && typeof out.body === 'string' ? out.body : WITHHELD;
  } catch {
    return WITHHELD;
  }
}
