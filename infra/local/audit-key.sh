#!/usr/bin/env bash
# The audit service's digest signing key for local runs: an Ed25519 key pair under
# $STATE_DIR/audit, made once (like the token issuer's key in auth.sh).
#
#   audit-key.sh up       make the key pair unless it exists
#   audit-key.sh status   the key's path; exit 3 without one
#
# $STATE_DIR/audit/digest-signing-key.pem (mode 0600) signs digests: the demo's audit service
# reads it through AUDIT_DIGEST_SIGNING_KEY_FILE. $STATE_DIR/audit/digest-public-key.pem is all a
# verifier needs (node dist/cli.js verify-digest --public-key ...).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

KEY_DIR="$STATE_DIR/audit"
TSX="$STACK_ROOT/node_modules/.bin/tsx"

case "${1:-status}" in
  up)
    [[ -x "$TSX" ]] || die "audit-key: $TSX is missing: run pnpm install first"
    "$TSX" --conditions=@tally/source "$STACK_ROOT/apps/audit/src/cli.ts" keygen --out "$KEY_DIR" >&2
    ;;
  status)
    if [[ -f "$KEY_DIR/digest-signing-key.pem" ]]; then
      echo "audit digest key: $KEY_DIR/digest-signing-key.pem (public: $KEY_DIR/digest-public-key.pem)"
    else
      echo "audit digest key: none (pnpm stack:up makes it)"
      exit 3
    fi
    ;;
  *) die "usage: $0 up|status" ;;
esac
