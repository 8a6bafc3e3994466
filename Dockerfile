# Tenantry API image. `docker compose up --build` runs it with PostgreSQL and Redis (docker-compose.yml).
FROM node:24-bookworm-slim

WORKDIR /app
RUN chown node:node /app
USER node

# Dependencies first, so that a source change does not reinstall them. Not `npm ci`: the lockfile
# lists only the optional native packages of the platform it was made on. No install scripts, as
# on our machines (npm 11 skips them): nothing here needs them, and Prisma's would download engines.
COPY --chown=node:node package.json package-lock.json ./
RUN npm install --no-audit --no-fund --ignore-scripts

COPY --chown=node:node . .
# `prisma generate` needs no schema engine; /bin/false stops it trying to download one.
RUN PRISMA_SCHEMA_ENGINE_BINARY=/bin/false npm run prisma:generate && npm run build
# Owned by node, so that a volume mounted there (docker-compose: export-storage) is writable.
RUN mkdir -p var/storage

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
EXPOSE 3000
# What `npm start` runs, started directly so that node is PID 1 and gets SIGTERM itself (npm does
# not pass it on): the server then drains in-flight requests (SHUTDOWN_GRACE_MS) before exiting.
# Migrations are a separate step (`npm run db:migrate`): run them before starting a new version.
CMD ["node", "dist/src/main.js"]
