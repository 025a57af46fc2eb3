# syntax=docker/dockerfile:1
# trainyard: one image for every role (API, worker, all-in-one); the command picks the role.

# ---- build: full dependencies; WebAssembly kernels and TypeScript compiled to dist/ -----------
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc* ./
RUN npm ci --no-audit --no-fund
COPY . .
# build:wasm (the kernels, as a generated module) + tsc -p tsconfig.build.json + public/ → dist/
RUN npm run build

# ---- runtime: production dependencies and dist/ only (no TypeScript runtime), non-root --------
FROM node:22-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json .npmrc* ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
ENV HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data
EXPOSE 3000
# `node` directly rather than `npm start`: signals reach the process itself (graceful shutdown
# on `docker stop`), and npm would rebuild at every start. Other roles:
#   node dist/src/api/server.js   (API only)      node dist/workers/main.js   (worker only)
CMD ["node", "dist/src/main.js"]
