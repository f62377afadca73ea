import { fileURLToPath } from 'node:url';

/** The local stack's state folder: TALLY_STATE_DIR, else `.local` at the repository's root. */
export function localStateDir(): string {
  return (
    process.env['TALLY_STATE_DIR'] ?? fileURLToPath(new URL('../../../../.local', import.meta.url))
  );
}
