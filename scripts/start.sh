#!/usr/bin/env bash
# Quick start: sets up what is missing, then runs the server on the embedded default (offline speech, local
# skills). Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node server/dist/main.js "$@"
