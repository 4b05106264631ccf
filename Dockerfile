# syntax=docker/dockerfile:1
# ThreadKit's comment server: the HTTP API and the WebSocket gateway, with the
# widget it serves. `docker run` it with REDIS_URL (or Sentinel/Cluster): the
# image has no redis-server of its own. The command picks the part:
#   start (both, the default), start http, start ws.
# docs/self-hosting.md, "Production deployment", covers running it.

ARG NODE_VERSION=20

# ---- build: every dependency, the TypeScript compiled, the widget bundled
FROM node:${NODE_VERSION}-bookworm-slim AS build
# argon2 compiles from source where its prebuilt binary does not load.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifests first, so that the install is cached until they change.
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/server/package.json packages/server/
COPY packages/widget/package.json packages/widget/
COPY packages/react/package.json packages/react/
COPY packages/testing/package.json packages/testing/
COPY apps/dashboard/package.json apps/dashboard/
RUN npm ci --no-audit --no-fund \
      --workspace @threadkit/core --workspace @threadkit/server --workspace @threadkit/widget \
      --include-workspace-root
COPY tsconfig.base.json ./
COPY scripts/copy-assets.mjs scripts/
COPY packages/core packages/core
COPY packages/server packages/server
COPY packages/widget packages/widget
RUN npx tsc -b packages/server \
 && node scripts/copy-assets.mjs \
 && npm run build --silent --workspace @threadkit/widget

# ---- deps: the server's production dependencies only
FROM node:${NODE_VERSION}-bookworm-slim AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/packages/core/package.json packages/core/
COPY --from=build /src/packages/server/package.json packages/server/
COPY --from=build /src/packages/widget/package.json packages/widget/
COPY --from=build /src/packages/react/package.json packages/react/
COPY --from=build /src/packages/testing/package.json packages/testing/
COPY --from=build /src/apps/dashboard/package.json apps/dashboard/
RUN npm ci --omit=dev --no-audit --no-fund \
      --workspace @threadkit/core --workspace @threadkit/server

# ---- runtime: node, the compiled server and its production dependencies
FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    WS_HOST=0.0.0.0 \
    WS_PORT=8081 \
    DATA_DIR=/data \
    LOG_LEVEL=warn
WORKDIR /app
COPY --from=deps /app/package.json ./
COPY --from=deps /app/node_modules node_modules
COPY --from=build /src/packages/core/package.json packages/core/
COPY --from=build /src/packages/core/dist packages/core/dist
COPY --from=build /src/packages/server/package.json packages/server/
COPY --from=build /src/packages/server/bin packages/server/bin
COPY --from=build /src/packages/server/dist packages/server/dist
COPY --from=build /src/packages/widget/dist packages/widget/dist
COPY deploy/docker/healthcheck.mjs deploy/docker/
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 8080 8081
# /health of each part this container runs: 503 while Redis is unreachable.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "deploy/docker/healthcheck.mjs"]
ENTRYPOINT ["node", "packages/server/dist/cli.js"]
CMD ["start"]
