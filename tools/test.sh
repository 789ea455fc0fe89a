#!/usr/bin/env bash
# The whole test suite: lint (with the architecture's module boundaries), type-check, build, then
# unit, integration (real PostgreSQL and Kafka) and end-to-end (the running platform) tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# Missing, or older than the lock file (a pull that changed the dependencies): install them.
[ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
export NX_DAEMON=false
echo "=== lint ===" && npm run -s lint
echo "=== type-check ===" && npm run -s typecheck
echo "=== build ===" && npm run -s build
exec node --import tsx tools/test/run-all.ts
