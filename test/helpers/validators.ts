import { expect } from 'vitest';
import { VALIDATORS, type ValidatorResult, type ValidatorSpec } from '../../src/detect/validators.js';

/** A validator by name; a test naming one that does not exist fails at once. */
export function v(name: string): ValidatorSpec {
  const spec = VALIDATORS[name];
  if (!spec) throw new Error(`no validator ${name}`);
  return spec;
}

export function check(name: string, value: string, params: Record<string, unknown> = {}): ValidatorResult {
  return v(name).validate(value, params);
}

export function ok(name: string, value: string, params?: Record<string, unknown>): void {
  expect(check(name, value, params), `${name} should accept ${JSON.stringify(value)}`).toEqual({ ok: true });
}

/** Rejected, with a reason (exactly `reason`, or matching it) that never quotes the value. */
export function bad(name: string, value: string, reason?: string | RegExp, params?: Record<string, unknown>): void {
  const r = check(name, value, params);
  expect(r.ok, `${name} should reject ${JSON.stringify(value)}`).toBe(false);
  expect(typeof r.reason).toBe('string');
  if (typeof reason === 'string') expect(r.reason).toBe(reason);
  else if (reason) expect(r.reason).toMatch(reason);
  if (value.length > 3) expect(r.reason).not.toContain(value);
}
