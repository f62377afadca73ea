# syntax=docker/dockerfile:1
# One image per service, from this one file. Build from the repository root (the build needs the
# workspace), naming the app and its port:
#   docker build --build-arg APP=intake --build-arg PORT=3001 \
#     --build-arg NODE_OPTIONS='--max-old-space-size=128 --max-semi-space-size=4' -t tally-intake .
# NODE_OPTIONS (empty by default) bounds V8's heap where a service is sized for it: the intake's
# memory is bounded by caches and fetch sizes, and with these limits V8 collects instead of
# growing lazily (apps/intake/README.md).
# Not built in CI (no Docker engine there); infra/local/services.sh runs the same `pnpm deploy`
# output as a plain process. A unit test (packages/e2e) keeps this file, the apps and
# infra/docker-compose.yml in step.
ARG APP=intake

FROM node:24-bookworm-slim AS build
ARG APP
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
# The version pinned by package.json's packageManager field.
RUN npm install --global --no-fund --no-audit pnpm@10.34.8
WORKDIR /repo
# Dependencies first, from the lockfile alone, so this layer is reused until the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY patches ./patches
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --frozen-lockfile
COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --offline --frozen-lockfile \
 && pnpm exec turbo run build --filter=@tally/${APP}... \
 && pnpm --filter @tally/${APP} deploy --prod --legacy /out

FROM node:24-bookworm-slim AS runtime
ARG PORT=3001
ARG NODE_OPTIONS=
# The projector and the audit keep SQLite in the /data volume unless DATABASE_URL is set; the
# intake keeps its partition state stores there (a lost volume costs only a restore); the audit
# writes its signed digests there too, unless AUDIT_DIGEST_EXPORT_DIR names another place.
ENV NODE_ENV=production PORT=${PORT} NODE_OPTIONS=${NODE_OPTIONS} \
    PROJECTOR_SQLITE_PATH=/data/read-model.sqlite AUDIT_SQLITE_PATH=/data/audit.sqlite \
    AUDIT_DIGEST_EXPORT_DIR=/data/digests INTAKE_STATE_DIR=/data/intake-state
WORKDIR /app
COPY --from=build --chown=node:node /out ./
RUN mkdir /data && chown node:node /data
VOLUME /data
USER node
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The tracing bootstrap first (ADR 0010): off unless OTEL_* variables configure an exporter.
CMD ["node", "--import", "@tally/telemetry/register", "dist/main.js"]
