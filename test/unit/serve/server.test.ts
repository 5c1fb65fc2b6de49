import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../src/pipeline/accounting.js';
import { RedactServer, type RedactInput } from '../../../src/serve/server.js';

const summary = (recordsIn: number): { summary: RunSummary } => ({ summary: { recordsIn, bytesIn: 0, appOut: recordsIn, dropped: 0, quarantined: 0, balanced: true, findings: {}, quarantinedByCode: {} } });

async function withServer(redact: RedactInput, test: (url: string, failures: unknown[], server: RedactServer) => Promise<void>, maxQueued = 8): Promise<void> {
  const failures: unknown[] = [];
  const server = new RedactServer({ host: '127.0.0.1', port: 0, maxBodyBytes: 1000, maxQueued, redact, write: async () => undefined, onFailure: (err) => failures.push(err) });
  const address = await server.listen();
  try {
    await test(`http://127.0.0.1:${address.port}`, failures, server);
  } finally {
    await server.close();
  }
}

describe('RedactServer', () => {
  it('runs requests one at a time, each whole: the resources of one request are not interleaved with another\'s', async () => {
    const names: string[] = [];
    let active = 0;
    const redact: RedactInput = async (name) => {
      active += 1;
      expect(active).toBe(1);
      names.push(name);
      await new Promise((r) => setTimeout(r, 5));
      active -= 1;
      return summary(1);
    };
    const request3 = JSON.stringify({ resourceLogs: [{}, {}, {}] });
    await withServer(redact, async (url) => {
      const answers = await Promise.all([1, 2, 3].map(() => fetch(`${url}/v1/logs`, { method: 'POST', body: request3, headers: { 'content-type': 'application/json; charset=utf-8' } }).then((r) => r.json())));
      expect(answers).toEqual([{}, {}, {}]);
      expect(names).toHaveLength(9);
      // Each request's three resources in a row, in order.
      for (let k = 0; k < 9; k += 3) {
        const seq = /#(\d+) /.exec(names[k] as string)?.[1];
        expect(names.slice(k, k + 3)).toEqual([0, 1, 2].map((i) => `/v1/logs #${seq} resource ${i}`));
      }
    });
  });

  it('reports as rejected the log records the engine quarantined, not a resource frame quarantined beside records dropped by policy', async () => {
    // One resource, its frame and three log records: the frame is quarantined, one record dropped, one quarantined.
    const body = JSON.stringify({ resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords: [{ body: { stringValue: 'a' } }, { body: { stringValue: 'b' } }, { body: { stringValue: 'c' } }] }] }] });
    const outcome = (quarantinedLines: number[]): RedactInput => async () => ({
      summary: { recordsIn: 4, bytesIn: 0, appOut: 4 - 1 - quarantinedLines.length, dropped: 1, quarantined: quarantinedLines.length, balanced: true, findings: {}, quarantinedByCode: { RECORD_TOO_LARGE: quarantinedLines.length } },
      lines: ['{"scope":0,"logRecord":{"body":{"stringValue":"a"}}}'],
      quarantinedLines: new Set(quarantinedLines),
    });
    const post = (url: string) => fetch(`${url}/v1/logs`, { method: 'POST', body, headers: { 'content-type': 'application/json' } }).then((r) => r.json());
    const message = 'quarantined (RECORD_TOO_LARGE): kept encrypted, not forwarded';
    await withServer(outcome([1, 3]), async (url) => expect(await post(url)).toEqual({ partialSuccess: { rejectedLogRecords: '1', errorMessage: message } }));
    await withServer(outcome([1]), async (url) => expect(await post(url)).toEqual({ partialSuccess: { rejectedLogRecords: '0', errorMessage: message } }));
    await withServer(outcome([3, 4]), async (url) => expect(await post(url)).toEqual({ partialSuccess: { rejectedLogRecords: '2', errorMessage: message } }));
  });

  it('answers 503 with Retry-After when too many requests wait', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    await withServer(
      async () => {
        await gate;
        return summary(1);
      },
      async (url) => {
        const first = fetch(`${url}/v1/lines`, { method: 'POST', body: 'a' });
        await new Promise((r) => setTimeout(r, 50));
        const second = await fetch(`${url}/v1/lines`, { method: 'POST', body: 'b' });
        expect(second.status).toBe(503);
        expect(second.headers.get('retry-after')).toBe('1');
        release();
        expect((await first).status).toBe(200);
      },
      1,
    );
  });

  it('counts a client that goes away while sending as aborted, and goes on', async () => {
    await withServer(async () => summary(1), async (url, failures, server) => {
      const { port } = new URL(url);
      await new Promise<void>((done) => {
        const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/lines', headers: { 'content-length': '1000' } });
        req.on('error', () => done());
        req.write('only a part');
        setTimeout(() => req.destroy(), 50);
      });
      await new Promise((r) => setTimeout(r, 50));
      const after = await fetch(`${url}/healthz`).then((r) => r.json());
      expect(after).toMatchObject({ status: 'ok', refused: { aborted: 1 }, failed: 0 });
      expect(failures).toEqual([]);
      expect(server.totals.failed).toBe(0);
    });
  });

  it('closes only once every request it took is answered', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const failures: unknown[] = [];
    const server = new RedactServer({ host: '127.0.0.1', port: 0, maxBodyBytes: 1000, maxQueued: 8, onFailure: (err) => failures.push(err), write: async () => undefined, redact: async () => (await gate, summary(2)) });
    const { port } = await server.listen();
    const answered = fetch(`http://127.0.0.1:${port}/v1/lines`, { method: 'POST', body: 'a\nb\n' }).then((r) => r.json());
    await new Promise((r) => setTimeout(r, 50));
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    release();
    expect(await answered).toEqual({ recordsIn: 2, appOut: 2, dropped: 0, quarantined: 0 });
    await closing;
    expect(server.totals.accounting.recordsIn).toBe(2);
  });

  it('answers 503 with the code alone when the engine fails, and says so to stop the service', async () => {
    const err = Object.assign(new Error('ledger /secret/path holds maria.lopez@corp-mail.net'), { code: 'LEDGER_WRITE_FAILED' });
    await withServer(
      async () => {
        throw err;
      },
      async (url, failures, server) => {
        const r = await fetch(`${url}/v1/lines`, { method: 'POST', body: 'x' });
        expect(r.status).toBe(503);
        expect(await r.json()).toEqual({ code: 14, message: 'the request could not be processed (LEDGER_WRITE_FAILED); the service stops' });
        expect(failures).toEqual([err]);
        expect(server.totals.failed).toBe(1);
      },
    );
  });

  it('refuses a body over the limit, declared or sent, and a gzip body that grows past it', async () => {
    const { gzipSync } = await import('node:zlib');
    await withServer(async () => summary(1), async (url) => {
      const big = await fetch(`${url}/v1/lines`, { method: 'POST', body: 'x'.repeat(2000) });
      expect([big.status, await big.json()]).toEqual([413, { code: 8, message: 'the body is larger than 1000 bytes' }]);
      // Sent in chunks, with no length said first.
      const streamed = await fetch(`${url}/v1/lines`, {
        method: 'POST',
        body: new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('y'.repeat(800))), c.enqueue(new TextEncoder().encode('y'.repeat(800))), c.close()) }),
        duplex: 'half',
      } as RequestInit);
      expect([streamed.status, await streamed.json()]).toEqual([413, { code: 8, message: 'the body is larger than 1000 bytes' }]);
      const bomb = await fetch(`${url}/v1/lines`, { method: 'POST', body: gzipSync('x'.repeat(100_000)), headers: { 'content-encoding': 'gzip' } });
      expect([bomb.status, await bomb.json()]).toEqual([413, { code: 8, message: 'the body is larger than 1000 bytes once gunzipped' }]);
      const other = await fetch(`${url}/v1/lines`, { method: 'POST', body: 'x', headers: { 'content-encoding': 'br' } });
      expect([other.status, await other.json()]).toEqual([415, { code: 3, message: 'content encoding br is not taken: gzip or none' }]);
      // A header's value is quoted only as a media type or a coding: a sender's header may hold anything.
      const mailed = await fetch(`${url}/v1/lines`, { method: 'POST', body: 'x', headers: { 'content-encoding': 'alice.leak@example.com' } });
      expect([mailed.status, await mailed.json()]).toEqual([415, { code: 3, message: 'content encoding given is not taken: gzip or none' }]);
      const typed = await fetch(`${url}/v1/logs`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/alice.leak@example.com' } });
      expect(typed.status).toBe(415);
      expect(JSON.stringify(await typed.json())).not.toContain('alice');
      const get = await fetch(`${url}/v1/logs`);
      expect(get.status).toBe(405);
      // JSON that is not UTF-8: read with its bad bytes replaced, a card 4111\xff1111... would read as none.
      const latin = await fetch(`${url}/v1/logs`, { method: 'POST', body: Buffer.from('{"resourceLogs":[{"x":"4111\xff1111"}]}', 'latin1'), headers: { 'content-type': 'application/json' } });
      expect([latin.status, await latin.json()]).toEqual([400, { code: 3, message: 'the body is not valid UTF-8' }]);
    });
  });
});
