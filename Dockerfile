# Tenantry image: `docker compose up --build` runs it with PostgreSQL and Redis (docker-compose.yml).
# Two stages: the build stage installs everything and compiles; the runtime stage holds only
# production dependencies, the compiled code, the migrations and the built web app, and runs as
# the unprivileged `node` user.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so that a source change does not reinstall them. `npm ci` from the complete
# lockfile; no install scripts, as on our machines (npm 11 skips them): nothing here needs them,
# and Prisma's would download engines.
COPY package.json package-lock.json ./
COPY web/package.json web/package.json
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
# `prisma generate` needs no schema engine; /bin/false stops it trying to download one.
RUN PRISMA_SCHEMA_ENGINE_BINARY=/bin/false npm run prisma:generate \
 && npm run build \
 && if [ -f web/package.json ] && grep -q '"build"' web/package.json; then npm run build --workspace web; fi \
 && mkdir -p web/dist

# Production dependencies only, without peers pulled in for the CLI tools (the Prisma CLI).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY web/package.json web/package.json
RUN npm ci --omit=dev --omit=peer --no-audit --no-fund --ignore-scripts --workspaces=false --include-workspace-root \
 # Optional peers that npm installs anyway, needed only by the Prisma CLI and the compiler at build
 # time (the generated client needs @prisma/client's runtime alone): 454 MB -> 265 MB.
 && rm -rf node_modules/prisma node_modules/typescript node_modules/@prisma/studio-core node_modules/@prisma/dev \
           node_modules/effect node_modules/@electric-sql

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/web/dist ./web/dist
# Writable by the app: the file mail transport and local export storage (the app-data volume in
# compose, shared by the api and worker services: the worker writes archives the API serves).
RUN mkdir -p /app/var/storage /app/var/mail && chown -R node:node /app/var
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# What `npm start` runs, started directly so that node is PID 1 and gets SIGTERM itself (npm does
# not pass it on): the server then drains in-flight requests (SHUTDOWN_GRACE_MS) before exiting.
# Migrations are a separate step (`npm run db:migrate`): run them before starting a new version.
CMD ["node", "dist/src/main.js"]
