# The Ferry relay, built once and run by plain Node (no TypeScript, no dev dependencies).
#   docker build -t ferry-relay .
#   docker run -p 8080:8080 -v ferry-data:/data ferry-relay
# Settings are environment variables (.env.example); the data dir is the /data volume.
# compose.yaml runs two relays on PostgreSQL and Redis.

# --- build: every dependency, then the demo and the relay bundle (relay/dist/ferry-relay.js) --
# Then node_modules is installed again with only what the bundle imports at run time: the
# relay's production dependencies and those of the @ferry packages bundled into it, as the
# lock file pins them. The workspace links go: the bundle holds the @ferry packages' code.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && npm ci --omit=dev --workspace relay --no-audit --no-fund \
 && rm -rf node_modules/@ferry \
 && mkdir -p relay/node_modules

# --- run ---------------------------------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    FERRY_DATA_DIR=/data \
    FERRY_DEMO_DIR=/app/demo/dist
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/relay/node_modules ./relay/node_modules
COPY --from=build /src/relay/dist ./relay/dist
COPY --from=build /src/demo/dist ./demo/dist
# The image's node user (uid 1000) owns the data dir; nothing else is writable.
RUN mkdir /data && chown node:node /data && chmod 700 /data
USER node
VOLUME /data
EXPOSE 8080
# /healthz answers 200 once storage and fan-out are ready (503 with the reason otherwise).
# With TLS_CERT set in the container, override this check (it speaks plain HTTP).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The relay stops cleanly on SIGTERM (docker stop): sockets closed, stores flushed.
CMD ["node", "relay/dist/ferry-relay.js", "serve"]
