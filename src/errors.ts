/**
 * One error base with a stable `code`; subclasses per area. Messages name what and where
 * (file:line, record id, field path) and never carry a plaintext value or key.
 */
export class LogveilError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem found while loading a pattern pack or config file. */
export interface Problem {
  file: string;
  line: number;
  message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line} ${p.message}`;
}

/** Every problem of a pattern or config load, reported at once. */
export class PolicyError extends LogveilError {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[], what = 'pattern packs') {
    super(
      'POLICY_INVALID',
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${what}:\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
    this.problems = problems;
  }
}

export class ConfigError extends LogveilError {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    super(
      'CONFIG_INVALID',
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in config:\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
    this.problems = problems;
  }
}

/** Input files that cannot be read, every one named at once, before anything runs. */
export class InputError extends LogveilError {
  constructor(problems: readonly string[], code = 'INPUT_UNREADABLE', what = 'input file') {
    super(code, `${problems.length} ${what}${problems.length === 1 ? '' : 's'} cannot be ${code === 'INPUT_UNREADABLE' ? 'read' : 'written'}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** An output file that cannot be written, named, before anything runs (a usage error, as {@link InputError}). */
export class OutputError extends InputError {
  constructor(problems: readonly string[]) {
    super(problems, 'OUTPUT_UNWRITABLE', 'output file');
  }
}

/** A record could not be decoded; `where` names the source position. */
export class CodecError extends LogveilError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Key provider, data-key or registry failure. */
export class KeyError extends LogveilError {}

/** A token that cannot be parsed, is unknown, or fails authentication. */
export class TokenError extends LogveilError {}

/** Detokenize refused for lack of identity or reason. */
export class AccessDeniedError extends LogveilError {}
