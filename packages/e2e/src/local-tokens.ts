import {
  loadLocalSigningKey,
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  localStateDir,
  mintAccessToken,
} from '@tally/service';

/**
 * Mints bearer tokens with the local stack's signing key (`.local/auth`, or TALLY_STATE_DIR), as
 * `pnpm run token` does: the services of `pnpm demo` trust that key.
 */
export async function localTokenMinter(clientId: string, ttlSeconds: number) {
  const signingKey = await loadLocalSigningKey(localStateDir());
  return (subject: string, scopes: readonly string[], accounts?: readonly string[]) =>
    mintAccessToken(signingKey, {
      issuer: LOCAL_ISSUER,
      audience: LOCAL_AUDIENCE,
      subject,
      clientId,
      scopes,
      accounts,
      ttlSeconds,
    });
}
