#!/usr/bin/env bash
# Starts the whole platform with demo data: installs dependencies if needed, builds, provisions
# Kafka and the databases, starts the five services and prints where to look. Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."
# Missing, or older than the lock file (a pull that changed the dependencies): install them.
[ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
npm run --silent build
exec node --import tsx tools/platform/start.ts
