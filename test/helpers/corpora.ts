import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The shared third-party corpora: `LOGVEIL_CORPORA`, else `../shared/corpora` beside the project. */
export const CORPORA_DIR = process.env.LOGVEIL_CORPORA ?? fileURLToPath(new URL('../../../shared/corpora/', import.meta.url));

export const hasCorpora = existsSync(CORPORA_DIR);
