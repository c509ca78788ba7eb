#!/usr/bin/env bash
# Inline Maps of 200, 1,000 and 5,000 items (each a Wait 1 s, MaxConcurrency 40): time, bytes written and CPU
# per item. Targets: per-item cost at 5,000 within 1.5x of that at 200; 1,000 items write <= 10 MB and end
# within 10% of 25 s. Env: ITEMS (200,1000,5000), BASELINE_BIN (an older build, measured on BASELINE_ITEMS).
source "$(dirname "$0")/common.sh"
build
machine
args=(--bin "$BIN" --items "${ITEMS:-200,1000,5000}")
if [ -n "${BASELINE_BIN:-}" ]; then args+=(--baseline-bin "$BASELINE_BIN" --baseline-items "${BASELINE_ITEMS:-200,1000}"); fi
python3 "$ROOT/scripts/bench/map.py" "${args[@]}"
