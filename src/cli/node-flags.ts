/**
 * The node flags the `logveil` command runs with: its first line, `#!/usr/bin/env -S node ...`,
 * carries them, as does `npm start`, and the benchmark and the tests start the CLI with them.
 *
 * `--max-semi-space-size=2` holds every thread's young generation to two semi-spaces of 2 MiB.
 * The workers' is held there by their resource limits already (WORKER_HEAP's 4 MiB; the flag
 * overrides those limits, to the same size); the main thread's is not, and V8 grows it to its largest, 2 x 16 MiB, over a long
 * run even though the thread keeps some 13 MB alive: a scavenge doubles the young generation once
 * more has survived scavenges since it last grew than it holds, and the main thread's batches, in
 * flight across several scavenges, see to that. Measured with the CLI on the seeded corpus and two
 * workers: peak RSS over 1 GB 249-252 MiB with the flag in four runs of five (one 272) against
 * 291-297 without, over 200 MB 235-236 against 264-274 MiB (runs alternated), at the same speed
 * (`node bench/compare-node-flags.mjs "--max-semi-space-size=2"`, six processes each way over
 * 50 MB: 21.1 and 32.5 MB/s with one and two workers against 20.1 and 30.7; again: 23.5 and 35.2
 * against 22.4 and 34.8). V8 reads the flag when the process starts: a program cannot set it for
 * its own main thread once it runs.
 *
 * What it costs is where the main thread redacts: with `--workers 0` the CLI took 4.9-5.5 s of CPU
 * over 50 MB against 4.2-5.0 without the flag (4.7-4.9 with `=4`, 4.4-4.6 with `=8`; runs
 * alternated), about a tenth more, for 134-142 MB of peak RSS against 155-157. The Lambda
 * functions run their batches on the main thread, so their `NODE_OPTIONS` (infra/stack.ts) leave
 * it out: `node --max-semi-space-size=2 bench/lambda.mjs` took 157-164 ms per warm 1 MiB
 * CloudWatch Logs invocation against 128-148 ms without.
 *
 * `--heap-growing-percent=25` has every thread run a full collection once its old generation has
 * grown by a quarter past what the last one left alive. V8 otherwise sets that margin by how
 * little time collecting takes against running: the workers, which allocate much, got about half
 * again; the main thread, which allocates little and keeps some 16 MB alive, got more than twice
 * that, and over a run of 1 GB its heap grew to 44-55 MB before a full collection took it back to
 * 16 (`--trace-gc`), a peak the workers' own adds to. Peak RSS of the CLI over 1 GB with two
 * workers: 277 and 281 MiB with the flag, 282-299 without (fresh LOGVEIL_HOME each run), and not
 * slower: `node bench/compare-node-flags.mjs "--heap-growing-percent=25" --base
 * "--max-semi-space-size=2" --runs 4 --rounds 3` ran one worker at 24.8 MB/s against 22.6 and two
 * at 35.8 against 32.7 (smaller heaps, more of them in the CPU's caches).
 */
export const CLI_NODE_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=2', '--heap-growing-percent=25']);

/**
 * The environment the CLI's first line sets for node, before its flags (as does `npm start`).
 *
 * `MALLOC_ARENA_MAX=2` holds glibc's allocator to two arenas. It otherwise gives each thread that
 * allocates natively an arena of its own (up to eight per core): the workers' RE2 matchers, whose
 * lazily built automata grow over a run, and the threads of libuv's pool for zlib, crypto and the
 * file system. Memory freed in one arena is kept there for that thread. Peak RSS of the CLI over
 * 1 GB with two workers: 266.0-268.4 MiB in five runs against 286.1-288.6 MiB in four without
 * (`bench/perf/rss.mjs`'s run; runs alternated), at the same speed: ten runs each way over 50 MB,
 * alternated, took 5.08-6.75 s (median 5.56) against 5.17-6.90 s (median 5.48). Other C
 * libraries (musl, macOS) do not read it. The first line sets it over one the caller's
 * environment holds; `node dist/cli/main.js` started by hand takes the caller's.
 */
export const CLI_ENV: Readonly<Record<string, string>> = Object.freeze({ MALLOC_ARENA_MAX: '2' });

/** `NAME=value` for each of {@link CLI_ENV}, as a shell or `env -S` takes them. */
export const CLI_ENV_ASSIGNMENTS: readonly string[] = Object.freeze(Object.entries(CLI_ENV).map(([k, v]) => `${k}=${v}`));
