#!/usr/bin/env bash
# The README's main job: installs what is missing, brings the local stack up and proves it works
# by round-tripping an Avro account event through Kafka and the Schema Registry.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
here="$(dirname "${BASH_SOURCE[0]}")"
cd "$STACK_ROOT"

bash "$here/bootstrap.sh"
bash "$here/stack.sh" up
pnpm --silent --filter @tally/events run stack-check

cat <<MSG

The local stack is running:
  Kafka            127.0.0.1:${KAFKA_PORT:-9092}
  Schema Registry  http://127.0.0.1:${SCHEMA_REGISTRY_PORT:-8081}/subjects
  PostgreSQL       postgres://tally:tally@127.0.0.1:${TALLY_PG_PORT:-5432}/tally
Stop it with: pnpm stack:down
MSG
