#!/usr/bin/env bash
# Installs what the test command needs and a fresh machine may lack: cargo-nextest, a nightly toolchain (for
# the fuzzers), python3-venv (for the boto3 and AWS CLI smoke tests), and Chromium with its WebDriver (for
# the console test), iproute2 and iptables (for the nemesis). Each is installed only if missing; Debian packages
# need root.
set -euo pipefail

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is required (install Rust with rustup)" >&2
  exit 1
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install --locked cargo-nextest
fi
if [ "${FUZZ_SECONDS:-10}" -gt 0 ] && ! cargo +nightly --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
packages=()
python3 -m venv --help >/dev/null 2>&1 || packages+=(python3-venv)
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
command -v chromedriver >/dev/null 2>&1 || packages+=(chromium-driver)
command -v ip >/dev/null 2>&1 || packages+=(iproute2)
command -v iptables >/dev/null 2>&1 || packages+=(iptables)
if [ "${#packages[@]}" -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${packages[@]}"
fi
