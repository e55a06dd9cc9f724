#!/usr/bin/env bash
# The CI canary: each must-fail test in test/canary runs through the real vitest configs and
# global setup. If any of those runs exits 0, a failing test can no longer turn `npm test`
# red, and this script fails. The unit canary runs on the embedded PostgreSQL (DATABASE_URL
# unset), whose package once forced exit code 0; the others on the configured server.
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
# expect_red <name> <must-appear-in-output> <command...>
expect_red() {
  local name=$1 marker=$2
  shift 2
  local out code
  out=$("$@" 2>&1)
  code=$?
  if [ "$code" -eq 0 ]; then
    echo "canary FAILED: '$name' exited 0 although its test fails — a red test would not turn CI red"
    echo "$out" | tail -20
    status=1
  elif ! grep -q -- "$marker" <<<"$out"; then
    echo "canary FAILED: '$name' exited $code for another reason than its failing test:"
    echo "$out" | tail -20
    status=1
  else
    echo "canary ok: '$name' exited $code"
  fi
}

expect_red "failing unit test (embedded PostgreSQL)" "fails on purpose" \
  env -u DATABASE_URL HOTLINE_CANARY=1 npx vitest run fails.canary
expect_red "test file throwing on import" "throws on import on purpose" \
  env HOTLINE_CANARY=1 npx vitest run throws.canary
expect_red "failing browser test" "fails on purpose in Chromium" \
  env HOTLINE_CANARY=1 npx vitest run -c vitest.e2e.config.ts browser.canary
exit $status
