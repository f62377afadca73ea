#!/usr/bin/env bash
# The local stack's token issuer: an Ed25519 key pair under $STATE_DIR/auth, made once.
#
#   auth.sh up       make the key pair unless it exists
#   auth.sh status   the current key id; exit 3 without one
#   auth.sh rotate   a new signing key; the JWKS keeps the previous public key beside it
#
# $STATE_DIR/auth/jwks.json holds the public keys: services trust it with
# AUTH_JWKS_FILE=<that path>, AUTH_ISSUER=tally-local, AUTH_AUDIENCE=tally-api.
# $STATE_DIR/auth/signing-key.jwk.json (mode 0600) signs tokens: `pnpm --silent run token --scope …`.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TSX="$STACK_ROOT/node_modules/.bin/tsx"
[[ -x "$TSX" ]] || die "auth: $TSX is missing: run pnpm install first"
run() {
  TALLY_STATE_DIR="$STATE_DIR" "$TSX" --conditions=@tally/source \
    "$STACK_ROOT/packages/service/src/cli/local-keys.ts" "$@"
}

case "${1:-status}" in
  up) run ensure >&2 ;;
  status) run status ;;
  rotate) run rotate >&2 ;;
  *) die "usage: $0 up|status|rotate" ;;
esac
