# StoreClaw WeCom Notifier: single-container appliance image.
#
#   docker build -t storeclaw-wecom-notifier:0.1.0 --build-arg BUILD_COMMIT="$(git rev-parse HEAD)" .
#   docker run -d -p 8080:8080 -v notifier-data:/data \
#     -e ADMIN_PASSWORD=... -e SECRET_KEY="$(openssl rand -hex 32)" storeclaw-wecom-notifier
#
# All stages use the same Debian release (bookworm), so the better-sqlite3 addon compiled in the
# deps stage links against the same glibc as the runtime stage.
# Proven without a Docker engine by test/integration/dockerfile.test.ts (simulated build + run).

# ---- deps: production dependencies, compiling native addons ----------------------------------
FROM node:22-bookworm-slim AS deps

# Toolchain for node-gyp (better-sqlite3 builds from source when no prebuilt binary is fetched).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so this layer is cached until the lockfile changes. Optional dependencies
# stay: the chart rasteriser's native binary (@resvg/resvg-js-linux-<arch>-gnu, 4.2 MB) is one.
# Removed by hand instead: the musl build npm 10 installs beside it (the lockfile does not say
# which libc each needs; resvg-js loads the glibc one here), what --omit=optional used to drop
# (TypeScript as valibot's optional peer and the type declarations: 26 MB the runtime never
# loads), and better-sqlite3's build leftovers (object files, the static sqlite3.a, the C
# sources: about 25 MB): at run time it loads only build/Release/better_sqlite3.node.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/@resvg/resvg-js-linux-*-musl node_modules/typescript node_modules/@types node_modules/undici-types \
      node_modules/.bin/tsc node_modules/.bin/tsserver \
 && cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node . \
 && rm -rf build deps src binding.gyp \
 && mkdir -p build/Release \
 && mv better_sqlite3.node build/Release/

# ---- build: TypeScript → dist/ (plain JavaScript, so the image starts without a TS loader), the ----
# entry dist/server/main.js bundled into one file (server/bundleMain.mjs: less memory, faster start).
FROM node:22-bookworm-slim AS build

WORKDIR /app

# All dependencies for the compiler and type declarations; no install scripts (nothing native is
# needed to compile, and the runtime takes node_modules from the deps stage).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY tsconfig.json tsconfig.build.json ./
COPY server ./server
COPY views ./views
COPY db ./db
COPY assets ./assets
# .git is not in the build context: the commit comes in as a build argument and is written into
# dist/build-info.json (console footer, /healthz, /metrics, storeclaw-notify --version).
ARG BUILD_COMMIT=unknown
RUN npm run build

# ---- runtime: no compilers, non-root ------------------------------------------------------------
FROM node:22-bookworm-slim AS runtime

# glibc malloc: two arenas and a fixed trim threshold, so memory freed after a burst (or the
# scrypt check of ADMIN_PASSWORD at start) goes back to the system instead of staying in the
# process (bench, same probe: idle RSS 80 -> 76 MB; a real container on Docker 20.10 showed
# about 82 MB idle after the first messages).
ENV NODE_ENV=production \
    PORT=8080 \
    DATA_DIR=/data \
    MALLOC_ARENA_MAX=2 \
    MALLOC_TRIM_THRESHOLD_=131072

WORKDIR /app

# App files stay root-owned (read-only for the node user); only /data is writable.
COPY --from=deps /app/package.json /app/package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

RUN mkdir -p /data && chown node:node /data

USER node
VOLUME /data
EXPOSE 8080

# Docker runs the first probe one interval after start, and the app is ready in about 2 s: a 5 s
# interval reports healthy within 5 s on every engine. (--start-interval would allow a longer
# interval, but Docker 20.10's builder refuses the flag.) The probe uses node:http, not fetch,
# which would load undici in every probe.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "require('http').get({host:'127.0.0.1',port:process.env.PORT||8080,path:'/healthz',timeout:2500},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"

# OCI labels: which version and commit this image is (docker inspect, registries). VERSION is
# package.json's version (a test keeps them equal); BUILD_COMMIT as in the build stage.
ARG VERSION=0.1.0
ARG BUILD_COMMIT=unknown
LABEL org.opencontainers.image.title="StoreClaw WeCom Notifier" \
      org.opencontainers.image.description="Pushes StoreClaw store-operations alerts, reports and task results into one WeCom group through its bot webhook." \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$BUILD_COMMIT"

# node directly (not npm start): it receives SIGTERM and shuts down gracefully.
# Compose runs it under tini (init: true); with plain `docker run`, add --init.
# --experimental-async-context-frame (Node 22.7+, the default from Node 24): hono/jsx renders each
# console page inside an AsyncLocalStorage, which otherwise switches on promise hooks for the
# whole process from the first page on, and every API request then pays them (~8 % of an accepted
# event's CPU on Node 22.23, paired in docs/performance.md).
CMD ["node", "--experimental-async-context-frame", "dist/server/main.js"]
