# syntax=docker/dockerfile:1
# The StrictOps API server for production: its sources (Node 24 runs the TypeScript directly, so
# the server has no build output of its own) and production dependencies only, run as a non-root
# user. Build: docker build -t strictops-api .   Run it as compose.yaml does.

ARG NODE_IMAGE=node:24-bookworm-slim

# The server's part of the workspace only (turbo prune): its manifests first, to cache the install.
FROM ${NODE_IMAGE} AS prune
WORKDIR /src
RUN npm install --global --no-fund --no-audit turbo@2.11.11
COPY . .
RUN turbo prune @strictops/server --docker

# Production dependencies of the pruned workspace, from the lockfile exactly.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
RUN npm install --global --no-fund --no-audit pnpm@12.4.2
COPY --from=prune /src/out/json/ ./
# turbo prune keeps the lockfile's pnpmfile checksum but not the pnpmfile: without it a frozen
# install refuses the lockfile.
COPY --from=prune /src/.pnpmfile.mjs ./
RUN pnpm install --frozen-lockfile --prod --ignore-scripts

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=deps --chown=root:root /app/ ./
COPY --from=prune --chown=root:root /src/out/full/ ./
# The code is root's and read-only to the server; the embedded database's folder (unused when
# DATABASE_URL is set) is the only place it may write.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The deploy step, in the same image: docker run --rm -e DATABASE_URL=… strictops-api node packages/db/src/cli/migrate.ts up
CMD ["node", "apps/server/src/main.ts"]
