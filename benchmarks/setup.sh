#!/usr/bin/env bash
# Prepare the other tools that benchmarks/run.py compares tokcost with, fully offline afterwards:
#   - benchmarks/.venv-others: ttok and tokencost (latest from PyPI);
#   - benchmarks/work/tiktoken-cache: tiktoken's download cache pre-filled with tokcost's pinned,
#     sha256-verified o200k_base / cl100k_base files (tiktoken names each cached file sha1(url)).
# Usage: TOKCOST_CACHE_DIR=... PYTHON=/path/to/python-with-tokcost-deps bash benchmarks/setup.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
PY="${PYTHON:-python3}"          # a Python that can import tokcost (its deps installed)
OTHERS="$here/.venv-others"
CACHE="$here/work/tiktoken-cache"

[ -x "$OTHERS/bin/python" ] || python3 -m venv "$OTHERS"
"$OTHERS/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade ttok tokencost

mkdir -p "$CACHE"
for enc in o200k_base cl100k_base; do
  src="$(PYTHONPATH="$root" "$PY" -c "from tokcost.tokenizers.assets import asset_path; print(asset_path('$enc'))")"
  key="$("$PY" -c "import hashlib; print(hashlib.sha1(b'https://openaipublic.blob.core.windows.net/encodings/$enc.tiktoken').hexdigest())")"
  cp "$src" "$CACHE/$key"
  echo "$enc: $src -> $CACHE/$key"
done

"$OTHERS/bin/python" -m pip list --disable-pip-version-check 2>/dev/null | grep -iE '^(ttok|tokencost|tiktoken) '
echo "setup done; run: TIKTOKEN_CACHE_DIR=$CACHE $OTHERS/bin/ttok --help"
