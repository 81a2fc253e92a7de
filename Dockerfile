# StoreClaw WeCom Notifier: single-container appliance image.
#
#   docker build -t storeclaw-wecom-notifier .
#   docker run -d -p 8080:8080 -v notifier-data:/data \
#     -e ADMIN_PASSWORD=... -e SECRET_KEY="$(openssl rand -hex 32)" storeclaw-wecom-notifier
#
# Both stages use the same Debian release (bookworm), so the better-sqlite3 addon compiled in the
# build stage links against the same glibc as the runtime stage.
# Proven without a Docker engine by test/integration/dockerfile.test.ts (simulated build + run).

# ---- build: install production dependencies, compiling native addons -------------------------
FROM node:22-bookworm-slim AS build

# Toolchain for node-gyp (better-sqlite3 builds from source when no prebuilt binary is fetched).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so this layer is cached until the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# Application source (run directly by tsx; no compile step). tsconfig.json carries the JSX settings.
COPY tsconfig.json ./
COPY server ./server
COPY views ./views
COPY db ./db

# ---- runtime: no compilers, non-root ------------------------------------------------------------
FROM node:22-bookworm-slim AS runtime

ENV NODE_ENV=production \
    PORT=8080 \
    DATA_DIR=/data

WORKDIR /app

# App files stay root-owned (read-only for the node user); only /data is writable.
COPY --from=build /app/package.json /app/package-lock.json /app/tsconfig.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/server ./server
COPY --from=build /app/views ./views
COPY --from=build /app/db ./db

RUN mkdir -p /data && chown node:node /data

USER node
VOLUME /data
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"

# node directly (not npm start): it receives SIGTERM and shuts down gracefully.
# Compose runs it under tini (init: true); with plain `docker run`, add --init.
CMD ["node", "--import", "tsx", "server/main.ts"]
