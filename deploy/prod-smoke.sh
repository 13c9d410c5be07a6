#!/usr/bin/env bash
# `make prod-smoke`: the production stack (gunicorn with production settings, Celery worker
# and beat on Redis, Debian's nginx with deploy/nginx/clusterhub.conf.template, TLS with a
# throwaway self-signed certificate) started natively on loopback and exercised end to end
# by deploy/smoke.py, the app reaching PostgreSQL through pgbouncer (session mode); then the
# fault runs (deploy/faults.py, `make prod-faults`) unless PROD_SMOKE_FAULTS=0. Needs
# PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379; installs
# nginx and pgbouncer with apt-get when missing and allowed.
#
# Uses database clusterhub_prodsmoke (dropped and re-created), Redis dbs 13 and 14, ports
# 127.0.0.1:8088 (HTTP), :8443 (HTTPS), :8089 (gunicorn), :8090-8092 (pgbouncers). Override
# with PROD_SMOKE_DATABASE, PROD_SMOKE_HTTP_PORT, PROD_SMOKE_HTTPS_PORT,
# PROD_SMOKE_GUNICORN_PORT, PROD_SMOKE_PGBOUNCER_PORT, PROD_SMOKE_BROKER_URL,
# PROD_SMOKE_CACHE_URL (the fault runs: deploy/faults.py); PROD_SMOKE_PORT_BASE=P puts every
# port of both in P..P+16 (smoke P..P+5, faults P+10..P+16), e.g. beside other runs:
#   PROD_SMOKE_PORT_BASE=9600 PROD_SMOKE_DATABASE=h_smoke_prodsmoke \
#   PROD_SMOKE_BROKER_URL=redis://127.0.0.1:6379/6 PROD_SMOKE_CACHE_URL=redis://127.0.0.1:6379/6 \
#   PROD_FAULTS_CACHE_URL=redis://127.0.0.1:6379/6 make prod-smoke
# PROD_SMOKE_KEEP=1 keeps the logs. Prints PASS/FAIL per check and a summary; exits non-zero
# on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

fail() { echo "prod-smoke: FAIL: $*" >&2; exit 1; }
"$PY" -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null \
  || fail "PostgreSQL is not answering on 127.0.0.1:5432"
"$PY" -c "import socket; socket.create_connection(('127.0.0.1', 6379), 2)" 2>/dev/null \
  || fail "Redis is not answering on 127.0.0.1:6379"
[ -x /usr/lib/postgresql/15/bin/initdb ] || fail "PostgreSQL 15 server binaries are missing (the fault runs start a private server)"
for program in nginx pgbouncer redis-server; do
  if ! command -v "$program" >/dev/null 2>&1 && ! [ -x "/usr/sbin/$program" ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$program" >/dev/null \
        || fail "apt-get install $program failed"
    else
      fail "$program is missing (apt-get install $program)"
    fi
  fi
done
command -v openssl >/dev/null 2>&1 || fail "openssl is missing"

# The runner gets its own process group: gunicorn, Celery and nginx are its children, and
# whatever happens to this script, the trap stops the whole group.
# PROD_SMOKE_ONLY=faults (make prod-faults) runs only the fault runs.
set -m
case "${PROD_SMOKE_ONLY:-}:${PROD_SMOKE_FAULTS:-1}" in
  faults:*) "$PY" deploy/faults.py & ;;
  *:0) "$PY" deploy/smoke.py & ;;
  *) { "$PY" deploy/smoke.py && "$PY" deploy/faults.py; } & ;;
esac
RUNNER=$!
cleanup() {
  if kill -0 "$RUNNER" 2>/dev/null; then
    kill -TERM -- "-$RUNNER" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$RUNNER" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$RUNNER" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
set +e
wait "$RUNNER"
STATUS=$?
set -e
exit "$STATUS"
