#!/usr/bin/env bash
# Sets up what the tests need, then runs them all (vitest). Prints a closing "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
# Type-check every source and test file (the build leaves the tests out; vitest does not check types).
npx tsc -p tsconfig.tests.json
mkdir -p test-artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@" || status=$?
if [ -f test-artifacts/vitest.json ]; then
  # shellcheck disable=SC2016 # JavaScript, not shell, expands these
  node -e '
    const r = JSON.parse(require("fs").readFileSync("test-artifacts/vitest.json", "utf8"));
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + (r.numTodoTests ?? 0)} skipped`);
  '
fi
exit "$status"
