# Build stage: compile TypeScript and the better-sqlite3 native addon.
FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 falls back to building from source when no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: only what the server needs.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    FERRITE_HOST=0.0.0.0 \
    FERRITE_PORT=8080 \
    FERRITE_DB_FILE=/data/ferrite.db
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
COPY ui ./ui
COPY package.json openapi.yaml ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# 8080: HTTP (IronMQ, SQS, CrimsonQ REST, dashboard); 9001: CrimsonQ over RESP (FERRITE_RESP_PORT).
EXPOSE 8080 9001
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.FERRITE_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node, not npm: signals reach the server directly, so SIGTERM shuts it down gracefully.
CMD ["node", "dist/main.js"]
