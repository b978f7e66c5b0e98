#!/usr/bin/env bash
# Start the machine's PostgreSQL when it is not answering; the tests make their own schema.
set -euo pipefail
if ! command -v pg_isready >/dev/null 2>&1; then
  echo "pg_isready not found: PostgreSQL client tools are missing" >&2
  exit 1
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  echo "PostgreSQL is not answering; starting it"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 1 30); do
    pg_isready -h 127.0.0.1 -p 5432 -q && exit 0
    sleep 1
  done
  echo "PostgreSQL did not start" >&2
  exit 1
fi
