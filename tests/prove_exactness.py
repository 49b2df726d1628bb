"""The slow half of issue 9's proofs, run by hand (not collected by pytest): prints what it checked.

    python tests/prove_exactness.py --mb 20        # done-when at 20 MB, all 17 tokenizers
    python tests/prove_exactness.py --reachability  # every vocabulary entry in all 4 contexts

At 20 MB a file is counted by the fast engines (>= 8 MB), streamed in 256K-character chunks over
the worker pool; stdin too. Both must equal the reference library counting the whole text.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from exactness_data import CONTEXTS, multilingual_text, vocabulary_texts

from tokcost.tokenizers import get_tokenizer, tokenizer_names


def done_when(megabytes: int) -> bool:
    text = multilingual_text(megabytes * 1_000_000)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "multilingual.txt"
        path.write_text(text, encoding="utf-8")
        size = path.stat().st_size
        # J2 counts inputs whole and refuses inputs above 10 MB (README: Inputs and exit codes)
        names = [n for n in tokenizer_names() if megabytes < 10 or get_tokenizer(n).chunking != "whole"]
        cmd = [sys.executable, "-m", "tokcost", "count", *(f"-t{n}" for n in names), "-f", "json", "--no-cache"]
        started = time.time()
        by_file = json.loads(subprocess.run([*cmd, str(path)], capture_output=True, check=True).stdout)
        file_s = time.time() - started
        started = time.time()
        by_stdin = json.loads(subprocess.run(cmd, input=path.read_bytes(), capture_output=True, check=True).stdout)
        stdin_s = time.time() - started
    files = {r["tokenizer"]: r["tokens"] for r in by_file["totals"]}
    stdin = {r["tokenizer"]: r["tokens"] for r in by_stdin["totals"]}
    print(f"{len(text):,} characters, {size:,} bytes; file {file_s:.0f} s, stdin {stdin_s:.0f} s")
    for name in names:
        backend = get_tokenizer(name)
        reference = backend.count_reference(text)
        fast = backend._fast(text) if backend.engine != "reference" else None
        same = files[name] == stdin[name] == reference and fast in (None, reference)
        ok &= same
        print(f"{name:18} reference {reference:>12,}  fast {fast if fast is not None else '-':>12}  "
              f"file {files[name]:>12,}  stdin {stdin[name]:>12,}  {'ok' if same else 'DIFFERENT'}", flush=True)
    return ok


def reachability() -> bool:
    import tomllib
    from importlib import resources

    from tokcost.tokenizers.assets import asset_path
    from tokcost.tokenizers.fast import candidate

    engines = tomllib.loads(resources.files("tokcost.data").joinpath("engines.toml").read_text("utf-8"))
    ok = True
    for engine in ("quicktok", "kitoken"):
        for name in [*engines[engine]["tokenizers"], *engines[engine].get("rejected", {})]:
            reference = get_tokenizer(name).count_reference
            fast = candidate(engine, name, asset_path(name), reference)()
            entries = vocabulary_texts(name)
            wrong = sum(fast(b + e + a) != reference(b + e + a) for e in entries for b, a in CONTEXTS)
            used = name in engines[engine]["tokenizers"]
            ok &= (wrong == 0) == used
            print(f"{engine:9} {name:14} {len(entries):>7,} entries x {len(CONTEXTS)} contexts: {wrong:>5} differ"
                  f" ({'used' if used else 'rejected'})", flush=True)
    return ok


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=0)
    parser.add_argument("--reachability", action="store_true")
    args = parser.parse_args()
    results = ([done_when(args.mb)] if args.mb else []) + ([reachability()] if args.reachability else [])
    sys.exit(0 if all(results) else 1)
