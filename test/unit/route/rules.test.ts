import { describe, expect, it } from 'vitest';
import { CompiledRouting } from '../../../src/route/compile.js';
import { builtinRoutingDir } from '../../../src/route/builtin.js';
import { loadRoutingRules } from '../../../src/route/load.js';
import { runRoutingTests } from '../../../src/route/routetest.js';

// Every built-in routing rule's tests.match / tests.nomatch cases, one test per rule.
const routing = new CompiledRouting(loadRoutingRules([builtinRoutingDir()]));
const report = runRoutingTests(routing);

describe('built-in routing rules', () => {
  it('cover the required areas, each rule with match and nomatch cases', () => {
    const ids = routing.rules.map((r) => r.id);
    for (const id of [
      'ssh-auth-failure',
      'ssh-invalid-user',
      'pam-auth-failure',
      'sudo-command',
      'sudo-auth-failure',
      'local-account-privilege-change',
      'http-auth-denied-repeated',
      'aws-cloudtrail-logging-stopped',
      'aws-resource-policy-public',
      'aws-s3-acl-public',
      'aws-iam-access-key-created',
      'aws-iam-login-profile-created',
      'aws-iam-admin-policy-granted',
      'aws-console-login-failure',
      'aws-root-account-used',
      'aws-kms-key-disabled-or-deleted',
      'k8s-pod-exec',
      'k8s-secret-read',
      'idp-sign-in-failure',
      'idp-mfa-removed',
    ]) {
      expect(ids).toContain(id);
    }
    for (const r of routing.rules) {
      expect(r.tests.match.length, r.id).toBeGreaterThan(0);
      expect(r.tests.nomatch.length, r.id).toBeGreaterThan(0);
    }
  });

  it.each(routing.rules.map((r) => [r.id, r.source.file] as const))('%s (%s) passes its own cases', (id) => {
    const failures = report.failures.filter((f) => f.ruleId === id).map((f) => `${f.source.file}:${f.source.line} ${f.kind}: ${f.message}`);
    expect(failures).toEqual([]);
  });
});
