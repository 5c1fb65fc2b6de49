/**
 * Whether a ledger entry's event has the shape its type promises (the event schema of
 * events-schema.ts): readers summarise and filter events by their members, and an entry that
 * verifies may still hold an event no logveil wrote (another tool's, a hand-made one).
 */
import { createRequire } from 'node:module';
import type { Ajv, ValidateFunction } from 'ajv';
import { EVENT_SCHEMAS } from '../../telemetry/events-schema.js';

// The schema compiler loads on first use (a reader of a ledger is a short command).
const load = createRequire(import.meta.url);
let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/**
 * What is wrong with `event` against its type's schema, or undefined when nothing is (an event
 * type this version does not know is not checked: a newer writer may have added it).
 */
export function eventSchemaProblem(event: { type: string }): string | undefined {
  const schema = (EVENT_SCHEMAS as Readonly<Record<string, object>>)[event.type];
  if (!schema) return undefined;
  let validate = validators.get(event.type);
  if (!validate) {
    ajv ??= new (load('ajv') as typeof import('ajv')).Ajv({ allErrors: false, strict: false });
    validate = ajv.compile(schema);
    validators.set(event.type, validate);
  }
  if (validate(event)) return undefined;
  const e = validate.errors?.[0];
  // The member's path and the rule it breaks; never the value.
  return e ? `${e.instancePath || 'the event'} ${e.message ?? 'does not match'}${e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty)})` : ''}` : 'does not match its schema';
}
