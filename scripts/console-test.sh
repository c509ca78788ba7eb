#!/usr/bin/env bash
# Browser test of the web console (scripts/console-test.py): headless Chromium, driven through
# chromium-driver by Selenium, against a fresh server holding executions made with boto3. Screenshots
# of every page go to CONSOLE_TEST_OUT (default target/console-test); `--docs-screenshot docs/console.png`
# also refreshes the README's picture.
#
# Environment:
#   CONSOLE_VENV     venv holding selenium and boto3 (default target/console-venv; reused when present)
#   STATEHOUSE_BIN   server binary (default target/debug/statehouse)
#   CONSOLE_TEST_OUT where screenshots go
#
# Needs the Debian packages chromium and chromium-driver (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${CONSOLE_VENV:-target/console-venv}
BIN=${STATEHOUSE_BIN:-target/debug/statehouse}

for tool in chromium chromedriver; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "not ok - $tool is installed (apt-get install chromium chromium-driver)"
    echo "0 passed, 1 failed"
    exit 1
  fi
done
if ! "$VENV/bin/python3" -c 'import selenium, boto3' >/dev/null 2>&1; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q selenium boto3
fi
exec "$VENV/bin/python3" scripts/console-test.py --binary "$BIN" --out "${CONSOLE_TEST_OUT:-target/console-test}" "$@"
