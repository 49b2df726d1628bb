"""Faster exact counting engines (quicktok for tiktoken vocabularies, kitoken for tokenizer.json).

They only ever count; ids shown to people come from the reference library. Each is used only when
it imports, its vocabulary is the pinned one, and `TOKCOST_ENGINE` is not `reference`. They are
built on first use, and only for inputs large enough to repay loading them (see `wanted`). Whether a
fast engine counts is a value the caller passes down (`fast`), never state kept here.
"""
from __future__ import annotations

import importlib.util
import os
import re
import stat
import sys
import tomllib
from collections.abc import Callable
from functools import cache
from pathlib import Path

from tokcost.digest import sha256, sha256_file
from tokcost.paths import data_text

Counter = Callable[[str], int]

# Loading quicktok's o200k costs ~0.36 s against ~0.1-0.2 s for tiktoken's, and it then counts
# ~30 MB/s faster: below about 8 MB of input the reference engine finishes first (benchmarks/).
SMALL_INPUT_BYTES = 8_000_000


def wanted(input_bytes: int | None) -> bool:
    """Whether a fast engine should count a call that counts `input_bytes` of text (None: unknown,
    e.g. stdin, so assume a lot) and is not switched off by `TOKCOST_ENGINE=reference`."""
    return (input_bytes is None or input_bytes >= SMALL_INPUT_BYTES) and enabled()


@cache
def _config() -> dict:
    return tomllib.loads(data_text("engines.toml"))


def enabled() -> bool:
    """False under `TOKCOST_ENGINE=reference` (read at each use, also where a count is made)."""
    return os.environ.get("TOKCOST_ENGINE", "fast") != "reference"


def engine_for(name: str, fmt: str) -> str | None:
    """The fast engine that counts `name` (in the tokenizers list of engines.toml), if any."""
    engine = {"tiktoken": "quicktok", "hf-json": "kitoken"}.get(fmt)
    return engine if engine and name in _config()[engine]["tokenizers"] else None


@cache
def engine_version(engine: str) -> str | None:
    """The installed version of a fast engine or reference library (None: not installed)."""
    package = _config()[engine]["package"] if engine in _config() else engine
    found = _dist_info_version(package)
    if found is not _ASK:
        return found
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


_ASK = "?"  # not a version: let importlib.metadata decide


def _dist_info_version(package: str) -> str | None:
    """`importlib.metadata.version(package)` (None: not installed) in the usual layout, or _ASK.

    Every count's cache identity needs an engine's version, and importing importlib.metadata (it
    imports the email package) costs ~10 ms: as much as a whole run served from the count cache.
    So the usual case is read here the way importlib.metadata reads it: the first sys.path folder
    with a `NAME-VERSION.dist-info` for the package, its METADATA's Version header. Anything else (an
    egg, a zip on sys.path, two candidates in a folder, a finder of distributions asked before the
    path finder, or after it when the path has none) is _ASK.
    """
    from importlib.machinery import PathFinder

    finders = [f for f in sys.meta_path if hasattr(f, "find_distributions")]  # asked in this order
    if not finders or finders[0] is not PathFinder:
        return _ASK
    wanted = _normalized(package)
    for entry in sys.path:
        try:
            children = os.listdir(entry or ".")
        except OSError:
            if os.path.isfile(entry):  # perhaps a zip: importlib.metadata looks inside
                return _ASK
            continue
        found = [c for c in children if c.lower().endswith((".dist-info", ".egg-info"))
                 and _normalized(c.lower().rpartition(".")[0].partition("-")[0]) == wanted]
        if os.path.basename(entry).lower().endswith(".egg") or len(found) > 1:
            return _ASK
        if found:
            if not found[0].lower().endswith(".dist-info"):
                return _ASK
            try:
                text = Path(entry or ".", found[0], "METADATA").read_text(encoding="utf-8")
            except (OSError, ValueError):
                return _ASK
            return _version_header(text)
    return None if len(finders) == 1 else _ASK  # (another finder may know it)


def _normalized(name: str) -> str:
    """A distribution name as importlib.metadata compares them (PEP 503, dashes as underscores)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _version_header(metadata_text: str) -> str:
    """The Version header of a METADATA file, or _ASK when it is not one plain line."""
    lines = metadata_text.splitlines()
    for i, line in enumerate(lines):
        if not line:
            break  # the end of the headers
        key, colon, value = line.partition(":")
        if colon and key.lower() == "version":
            folded = i + 1 < len(lines) and lines[i + 1][:1] in (" ", "\t")
            return value.strip() if value.strip() and not folded else _ASK
    return _ASK


@cache
def _quicktok_pinned(name: str) -> bool:
    pin = _config()["quicktok"]["vocab"].get(name)
    spec = importlib.util.find_spec("quicktok")
    if not isinstance(pin, dict) or spec is None or not spec.origin:
        return False
    return _has_sha256(Path(spec.origin).parent / pin["file"], pin["sha256"])


def _has_sha256(path: Path, digest: str) -> bool:
    """Whether the file at `path` has sha256 `digest`: hashed once, then known for as long as its
    (size, mtime, inode) stay the same, as the count cache knows unchanged inputs (the stat index,
    under <cache>/engines). Hashing quicktok's 2.6 MB o200k vocabulary cost ~3 ms of every count."""
    from tokcost.counting.statindex import StatIndex
    from tokcost.paths import cache_dir

    try:
        st = path.stat()
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode):
        return False
    index = StatIndex(cache_dir() / "engines")
    known = index.get(path, st)
    if known is not None and isinstance(known.get("sha256"), str):
        return known["sha256"] == digest
    actual = sha256_file(path)
    index.put(path, st, {"sha256": actual})
    index.save()
    return actual == digest


def _quicktok(name: str) -> Callable[[], Counter] | None:
    if not _quicktok_pinned(name):
        return None
    import quicktok

    encoding = _config()["quicktok"]["vocab"][name]["encoding"]
    return lambda: quicktok.get_encoding(encoding).count


def _kitoken(name: str, path: Path, reference: Counter) -> Callable[[], Counter] | None:
    if importlib.util.find_spec("kitoken") is None:
        return None

    def build() -> Counter:
        engine = kitoken_engine(path)  # without added tokens: their strings are ordinary text
        return lambda text: len(engine.encode(text, False))

    return build


def kitoken_engine(path: Path):
    """kitoken's engine for a tokenizer.json, from its own prepared form cached on disk (3x faster to
    load than parsing the JSON). The cached file is named by the sha256 of the tokenizer.json and
    the kitoken version, and used only if its own sha256 matches the one written beside it."""
    from kitoken import Kitoken

    from tokcost.paths import atomic_write_bytes, cache_dir

    source = sha256_file(path)
    from tokcost.tokenizers import ordinary

    rules = f"ordinary{ordinary.RULES_VERSION}"  # built without the added tokens (ordinary.py)
    prepared = cache_dir() / "engines" / f"kitoken-{engine_version('kitoken')}-{rules}-{source[:32]}.kit"
    pin = prepared.with_suffix(".sha256")
    try:
        if sha256_file(prepared) == pin.read_text().strip():
            return Kitoken.from_file(str(prepared))
    except (OSError, ValueError, RuntimeError):
        pass  # missing, damaged or unreadable: build it again
    engine = Kitoken.from_tokenizers(ordinary.tokenizer_json(path).encode("utf-8"))
    try:
        data = engine.to_bytes()
        atomic_write_bytes(prepared, data)
        atomic_write_bytes(pin, sha256(data).encode())
    except OSError:
        pass  # a read-only cache only costs speed
    return engine


def candidate(engine: str, name: str, path: Path, reference: Counter) -> Callable[[], Counter] | None:
    """A builder of `engine`'s count function for `name`, used or not (tests prove or reject it)."""
    return _quicktok(name) if engine == "quicktok" else _kitoken(name, path, reference)


def fast_counter(name: str, fmt: str, path: Path, normalize: str | None,
                 reference: Counter) -> tuple[str, Callable[[], Counter]] | None:
    """(engine label, a zero-argument builder of its count function), or None to use the reference."""
    engine = engine_for(name, fmt)
    if not enabled() or normalize or engine is None:
        return None
    build = candidate(engine, name, path, reference)
    return (engine, build) if build is not None else None


def counts_in_threads(engine: str) -> bool:
    """Whether an engine or library (`quicktok 0.4.0`, `sentencepiece`) counts in parallel in threads
    (engines.toml `count_in_threads`)."""
    return engine.split()[0] in _config()["count_in_threads"]


def counts_utf8(engine: str) -> bool:
    """Whether an engine's count also takes the UTF-8 bytes of a text (engines.toml `counts_utf8`)."""
    return engine in _config()["counts_utf8"]


def counting_engine(name: str, fmt: str, normalize: str | None, library: str, fast: bool) -> str:
    """Which engine counts `name` when the caller asks for a fast one or not (`fast`, as passed to
    Backend.count), for the count cache's key: `quicktok 0.4.0`, `tiktoken 0.9.0`, ...

    Decided without loading the tokenizer.
    """
    engine = engine_for(name, fmt)
    if engine and not normalize and fast and enabled() and engine_version(engine) and (
            engine != "quicktok" or _quicktok_pinned(name)):
        return f"{engine} {engine_version(engine)}"
    return f"{library} {engine_version(library)}"
