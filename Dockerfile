# syntax=docker/dockerfile:1
# Build: the same install and build steps CI runs (npm ci, npm run build).
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Run: production dependencies only, as the unprivileged `node` user.
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
# glibc's allocator: two arenas (not eight per core) and blocks of 128 KiB or more mapped on
# their own, so what the analysis threads and the storage streams free goes back to the system
# (bench:derive, README "Memory under load"; ignored by other C libraries).
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# `npm run validate` runs the built CLI through this wrapper.
COPY scripts ./scripts
COPY drizzle ./drizzle
COPY views ./views
COPY public ./public
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
VOLUME ["/data"]
# Migrations run at start (under an advisory lock), then the server listens on $PORT.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The node flags are npm start's (a test keeps them equal): 2 MB semi-spaces and a full collection
# once the old generation has grown 30 % keep the main thread's heap and the buffers waiting for
# the collector small while it reads a file (bench:derive; README "Memory under load").
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=30", "dist/server.js"]
