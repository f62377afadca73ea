// The local stack's signing key (infra/local/auth.sh):
//   ensure   make the key pair under <state dir>/auth unless it exists
//   rotate   a new signing key; the JWKS keeps the previous public key beside it
//   status   the current key id and the files
import {
  ensureLocalSigningKey,
  loadLocalSigningKey,
  localAuthPaths,
  rotateLocalSigningKey,
} from '../auth/local-keys.js';
import { localStateDir } from './state-dir.js';

const stateDir = localStateDir();
const paths = localAuthPaths(stateDir);
const command = process.argv[2] ?? 'status';

switch (command) {
  case 'ensure': {
    const { kid, created } = await ensureLocalSigningKey(stateDir);
    console.log(`auth: ${created ? 'made' : 'kept'} signing key ${kid}, JWKS in ${paths.jwks}`);
    break;
  }
  case 'rotate':
    console.log(
      `auth: new signing key ${await rotateLocalSigningKey(stateDir)}, JWKS in ${paths.jwks}`,
    );
    break;
  case 'status': {
    const kid = await loadLocalSigningKey(stateDir).then(
      (key) => key.kid,
      () => undefined,
    );
    console.log(
      kid === undefined
        ? 'auth: no signing key'
        : `auth: signing key ${kid}, JWKS in ${paths.jwks}`,
    );
    process.exit(kid === undefined ? 3 : 0);
    break;
  }
  default:
    console.error(`unknown command '${command}': use ensure, rotate or status`);
    process.exit(2);
}
