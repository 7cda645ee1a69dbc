# syntax=docker/dockerfile:1
# One image for every role of Credit Graph: the gateway, each of the six subgraphs, the migration
# Job and the operator's tools, chosen by the command (`credit-graph <command>`):
#   docker run IMAGE gateway | subgraph registry | migrate | audit verify | credentials ...
# Stages: `build` installs everything and bundles dist/ (npm run build); `deps` installs the
# production dependencies only; `runtime` is those two plus the repository's data files (SDL,
# migrations, supergraph, playground examples), run by an unprivileged user.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY . .
# Development install (TypeScript, esbuild, Prisma CLI: the clients are generated here) and the build.
RUN npm ci --no-audit --no-fund && npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY . .
# Production dependencies only; @prisma/client brings the WASM query compiler the build loads.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    GATEWAY_HOST=0.0.0.0 \
    MIGRATE_ON_START=false \
    DATA_DIR=/var/lib/credit-graph
WORKDIR /app
COPY --from=deps /app /app
COPY --from=build /app/dist /app/dist
# The embedded PGlite default needs a writable data folder; production points every service at PostgreSQL.
RUN mkdir -p /var/lib/credit-graph && chown node:node /var/lib/credit-graph
# The official Node image's unprivileged user (uid 1000); the manifests run as it too.
USER node
# Gateway (GATEWAY_PORT) and the subgraphs' default PORT; each Deployment sets its own.
EXPOSE 4000 4101-4106
ENTRYPOINT ["node", "dist/credit-graph.mjs"]
CMD ["gateway"]
