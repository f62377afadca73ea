// `pnpm --silent run token --scope ledger:write --account demo-1`: a short-lived access token for the
// local stack, signed with its key (made on first use). The token alone goes to stdout.
import { ensureLocalSigningKey, loadLocalSigningKey } from '../auth/local-keys.js';
import { mintAccessToken } from '../auth/signing.js';
import { localStateDir } from './state-dir.js';
import { parseTokenArgs, TOKEN_USAGE, UsageError } from './token-args.js';

try {
  if (process.argv.includes('--help')) {
    console.log(TOKEN_USAGE);
    process.exit(0);
  }
  const request = parseTokenArgs(process.argv.slice(2));
  const stateDir = localStateDir();
  await ensureLocalSigningKey(stateDir);
  const token = await mintAccessToken(await loadLocalSigningKey(stateDir), request);
  process.stdout.write(`${token}\n`);
  const expires = new Date(Date.now() + request.ttlSeconds * 1000).toISOString();
  const limit = request.accounts === undefined ? 'all accounts' : request.accounts.join(', ');
  process.stderr.write(
    `token for ${request.subject} via ${request.clientId}: ${request.scopes.join(' ')} on ${limit}, until ${expires}\n`,
  );
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`token: ${error.message}\n\n${TOKEN_USAGE}\n`);
  process.exit(2);
}
