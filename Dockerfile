# syntax=docker/dockerfile:1
# trainyard: one image for every role (API, worker, all-in-one); the command picks the role.

# ---- build: full dependencies, compiles the WebAssembly kernels ---------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Writes src/engine/kernels/wasm/generated/kernel-bytes.ts (the kernels as base64).
RUN npm run build:wasm

# ---- runtime: production dependencies only (tsx runs the TypeScript), non-root -------------
FROM node:20-bookworm-slim AS runtime
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --chown=node:node . .
COPY --from=build --chown=node:node /app/src/engine/kernels/wasm/generated ./src/engine/kernels/wasm/generated
RUN mkdir -p /app/data && chown node:node /app/data
USER node
ENV HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data
EXPOSE 3000
# `node --import tsx` rather than `npm run …`: signals reach the process directly, so SIGTERM
# gets its graceful shutdown (npm would also rerun the wasm build hook at every start).
CMD ["node", "--import", "tsx", "src/main.ts"]
