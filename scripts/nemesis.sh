#!/usr/bin/env bash
# The nemesis under load (scripts/nemesis/nemesis.py): three nodes in network namespaces, a steady mixed
# load, partitions, pauses, kill -9, a full disk and overlapping faults, then a checker over what clients
# were told and what every node holds. Exits 1 on any anomaly. Needs root (namespaces, iptables, tmpfs).
#   bash scripts/nemesis.sh [--minutes 30] [--report docs/nemesis-report.json] [--seed N]
# STATEHOUSE_BIN picks the binary (default: target/release/statehouse, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${STATEHOUSE_BIN:-target/release/statehouse}"
if [ ! -x "$bin" ]; then
  cargo build --release --quiet --bin statehouse
fi
for tool in ip iptables fallocate; do
  command -v "$tool" >/dev/null || { echo "the nemesis needs $tool (scripts/install-test-tools.sh installs it)" >&2; exit 1; }
done
exec env -u STATEHOUSE_BIN python3 scripts/nemesis/nemesis.py --bin "$bin" "$@"
