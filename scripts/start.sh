#!/usr/bin/env bash
# `bash scripts/start.sh`: set up and run everything with demo data on a fresh machine: the API
# (with the job workers in the same process, WORKER_ENABLED=true) serving the web app at /.
# Brings Node.js 24 when the machine's is older, installs dependencies (npm ci, when node_modules
# is missing or package-lock.json changed), generates the Prisma client, builds the API and the
# web app, creates .env from .env.example (with a random JWT_SECRET and
# CHAT_ENCRYPTION_KEY) if missing,
# starts local PostgreSQL and Redis if they do not answer, migrates, seeds the demo tenants
# (acme, globex, initech) and runs the server in the foreground. Safe to run again.
set -euo pipefail

cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }
die() {
  printf '\nstart: %s\n' "$*" >&2
  exit 1
}

# 1. Node.js 24 (installed into .tools/ when the one on PATH is older), dependencies, Prisma client, build.
# shellcheck source=lib/node-env.sh
. scripts/lib/node-env.sh
ensure_node
lock_hash() { node -e "process.stdout.write(require('node:crypto').createHash('sha256').update(require('node:fs').readFileSync('package-lock.json')).digest('hex'))"; }
stamp=node_modules/.tenantry-lock-sha256
if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null)" != "$(lock_hash)" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
  lock_hash >"$stamp"
fi
say "npm run prisma:generate"
PRISMA_SCHEMA_ENGINE_BINARY=/bin/false npm run --silent prisma:generate
say "npm run build (the API) and npm run build:web (the web app, served by the API at /)"
npm run --silent build
npm run --silent build:web

# 2. Configuration.
if [ ! -f .env ]; then
  say "creating .env from .env.example with a random JWT_SECRET and CHAT_ENCRYPTION_KEY"
  secret=$(node -e "process.stdout.write(require('node:crypto').randomBytes(48).toString('base64url'))")
  chat_key=$(node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('base64'))")
  (
    umask 077
    sed -e "s|^JWT_SECRET=.*|JWT_SECRET=$secret|" -e "s|^CHAT_ENCRYPTION_KEY=.*|CHAT_ENCRYPTION_KEY=$chat_key|" .env.example >.env
  )
fi
# A .env from before the chat module lacks its encryption key: append a random one (never replace one).
if ! grep -q '^CHAT_ENCRYPTION_KEY=' .env; then
  say "adding a random CHAT_ENCRYPTION_KEY to .env"
  printf '\nCHAT_ENCRYPTION_KEY=%s\n' "$(node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('base64'))")" >>.env
fi
set -a
# shellcheck disable=SC1091
. ./.env
set +a

# 3. PostgreSQL and Redis: start local ones when the configured ports do not answer.
# Host and port of a URL; never echo the URL itself (it carries a password).
host_port() { node -e 'const u = new URL(process.argv[1]); console.log(u.hostname, u.port || process.argv[2])' "$1" "$2" 2>/dev/null; }
read -r pg_host pg_port < <(host_port "${DATABASE_URL:-}" 5432) || die "DATABASE_URL in .env is missing or not a URL"
read -r redis_host redis_port < <(host_port "${REDIS_URL:-}" 6379) || die "REDIS_URL in .env is missing or not a URL"

is_local() { [[ $1 == 127.0.0.1 || $1 == localhost || $1 == "[::1]" ]]; }
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
postgres_ready() {
  if command -v pg_isready >/dev/null 2>&1; then pg_isready -q -h "$pg_host" -p "$pg_port"; else port_open "$pg_host" "$pg_port"; fi
}
redis_ready() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$redis_host/$redis_port && printf 'PING\r\n' >&3 && IFS= read -r r <&3 && [[ \$r == +PONG* || \$r == -NOAUTH* ]]" 2>/dev/null
}
wait_until() {
  for _ in $(seq 1 "$2"); do
    if "$1"; then return 0; fi
    sleep 1
  done
  return 1
}
cannot_start() {
  die "$1 does not answer on $2:$3 and could not be started here.
       Start it yourself (for example: docker compose up -d postgres redis, or your system's service
       manager), or point ${4} in .env at a running one, then run this script again."
}

say "PostgreSQL on $pg_host:$pg_port"
if postgres_ready; then
  echo "answering"
elif is_local "$pg_host" && [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "not answering; starting the local cluster"
  # shellcheck disable=SC2046 # one version directory on these machines
  # It may already be starting up ("Cluster is already running"): the wait below decides.
  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start || true
  wait_until postgres_ready 60 || cannot_start PostgreSQL "$pg_host" "$pg_port" DATABASE_URL
else
  cannot_start PostgreSQL "$pg_host" "$pg_port" DATABASE_URL
fi

say "Redis on $redis_host:$redis_port"
if redis_ready; then
  echo "answering"
elif is_local "$redis_host" && command -v redis-server >/dev/null 2>&1; then
  echo "not answering; starting redis-server"
  { mkdir -p /var/lib/redis /var/log/redis &&
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log; } || cannot_start Redis "$redis_host" "$redis_port" REDIS_URL
  wait_until redis_ready 30 || cannot_start Redis "$redis_host" "$redis_port" REDIS_URL
else
  cannot_start Redis "$redis_host" "$redis_port" REDIS_URL
fi

# 4. Schema, demo data, server.
say "npm run db:migrate"
npm run --silent db:migrate
say "npm run db:seed"
npm run --silent db:seed
url_host=${HOST:-0.0.0.0}
[ "$url_host" != 0.0.0.0 ] || url_host=127.0.0.1
say "npm start: http://$url_host:${PORT:-3000}/health/ready, API docs at http://$url_host:${PORT:-3000}/api/docs (Ctrl-C stops)"
exec npm start
