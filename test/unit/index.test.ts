import { describe, expect, it } from 'vitest';
import * as logveil from '../../src/index.js';

describe('the package entry', () => {
  it('exports the library by name: engine, policy, keys, tokens, ledger, AWS handlers', () => {
    for (const name of ['redactStreams', 'loadPolicy', 'CompiledPolicy', 'scanText', 'DataKeyCache', 'encryptToken', 'detokenizeText', 'LedgerSink', 'verifyLedger', 'KmsKeyProvider', 'createTransformHandler']) {
      expect(typeof (logveil as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('exports what a service needs to run the engine as the CLI does: file inputs, telemetry, the summary', () => {
    for (const name of ['fileInput', 'openRuntime', 'keepAddressRanges', 'EngineTelemetry', 'detectorCategories', 'startTelemetry', 'formatSummary']) {
      expect(typeof (logveil as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
