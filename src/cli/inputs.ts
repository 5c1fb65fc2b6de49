/** Input files of a command, checked before it starts. */
import { accessSync, constants, statSync } from 'node:fs';
import { InputError } from '../errors.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
};

/** @throws InputError naming every file that is missing, unreadable or not a file. */
export function checkInputs(files: readonly string[]): void {
  const problems = files.flatMap((file) => {
    try {
      if (statSync(file).isDirectory()) return [`${file}: ${REASONS['EISDIR']}`];
      accessSync(file, constants.R_OK);
      return [];
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'ERROR';
      return [`${file}: ${REASONS[code] ?? code}`];
    }
  });
  if (problems.length > 0) throw new InputError(problems);
}
