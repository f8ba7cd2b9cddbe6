#!/usr/bin/env bash
# Runs the whole suite on the stack the environment selects (REDIS_URL /
# DATABASE_URL for production mode), and fails on a run that ran no test.
set -uo pipefail
cd "$(dirname "$0")/.."
stack="embedded (SQLite, in-memory layer, sessions in a database table)"
[ -n "${REDIS_URL:-}${DATABASE_URL:-}" ] && stack="production (REDIS_URL=${REDIS_URL:-unset}, DATABASE_URL=${DATABASE_URL:+set})"
echo "==> running the test suite on the $stack stack"
.venv/bin/python -m pytest "$@"
rc=$?
if [ $rc -eq 5 ]; then
  echo "no tests ran: that is a failure" >&2
  exit 1
fi
exit $rc
