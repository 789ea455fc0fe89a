#!/usr/bin/env bash
# Starts the whole platform with demo data: installs dependencies if needed, builds, provisions
# Kafka and the databases, starts the five services and prints where to look. Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build
exec node --import tsx tools/platform/start.ts
