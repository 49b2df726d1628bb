"""The faster engines (quicktok, kitoken) count exactly what the reference libraries count."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tokcost.comparison.corpora import corpus_dir, load_manifest
from tokcost.counting.cuts import rechunk
from tokcost.tokenizers import get_tokenizer, tokenizer_names

ADVERSARIAL = [
    " " * 17, "\n" * 9, "\t\t  \n \r\n\r\n  x", "1234567890 12 1,234.56 ١٢٣ 一二三",
    "👩‍👩‍👧‍👦 🇨🇳🇺🇸 🙂🙂🙂 ❤️", "e\u0301 n\u0303 ﬁ ½ Å Ａ", "中文English混合mixed。，！？", "日本語 한국어 العربية",
    "<|endoftext|><|im_start|><｜begin▁of▁sentence｜>[CLS]<s></s>", "x.\n/usr/bin/env\n./a",
    "'s 'S 'll I'M can't", "\u00a0\u2028\u2029\u200b\ufeff", "    def f(x):\n        return x\n",
]


def fast_tokenizers() -> list[str]:
    return [n for n in tokenizer_names() if get_tokenizer(n).engine != "reference"]


def corpus_samples(chars: int = 200_000) -> list[str]:
    samples = []
    for spec in load_manifest():
        path = corpus_dir() / f"{spec.name}.txt"
        if path.is_file():
            samples.append(path.read_text("utf-8")[:chars])
    return samples


def test_fast_engines_are_in_use(all_tokenizers):
    """quicktok and kitoken are dependencies: if they stop loading, the speed claims stop holding."""
    engines = {n: get_tokenizer(n).engine for n in all_tokenizers}
    assert engines["o200k_base"] == engines["cl100k_base"] == "quicktok"
    assert engines["deepseek-v3"] == "kitoken"


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base", "deepseek-v3", "deepseek-v2", "glm-4", "minimax"])
def test_fast_count_equals_reference(all_tokenizers, name):
    backend = get_tokenizer(name)
    assert backend.engine != "reference"
    texts = ADVERSARIAL + ["\n".join(ADVERSARIAL) * 20]
    samples = corpus_samples()
    if not samples:
        pytest.fail("corpora are not built: run `bash corpora/setup.sh`", pytrace=False)
    for text in texts + samples:
        for chunk in rechunk([text], backend.chunking, 20_000):
            assert backend._fast(chunk) == backend.count_reference(chunk), (name, chunk[:80])


def test_reference_switch(monkeypatch):
    from tokcost.tokenizers.assets import asset_path
    from tokcost.tokenizers.fast import fast_counter

    monkeypatch.setenv("TOKCOST_ENGINE", "reference")
    assert fast_counter("o200k_base", "tiktoken", asset_path("o200k_base"), None, len) is None


def test_small_inputs_use_the_reference_engine(tmp_path, monkeypatch):
    """Loading quicktok costs more than it saves below SMALL_INPUT_BYTES; large inputs use it."""
    from tokcost import count
    from tokcost.tokenizers import fast

    backend = get_tokenizer("o200k_base")
    used: list[str] = []
    monkeypatch.setattr(backend, "count_reference", lambda text: used.append("reference") or 1)
    monkeypatch.setitem(backend.__dict__, "_fast", lambda text: used.append("fast") or 1)
    small = tmp_path / "small.txt"
    small.write_text("a few words\n", encoding="utf-8")
    count([str(small)], cache=False)
    assert used == ["reference"]
    monkeypatch.setattr(fast, "SMALL_INPUT_BYTES", 5)
    count([str(small)], cache=False)
    assert used == ["reference", "fast"]


@pytest.mark.parametrize("name", ["deepseek-v3", "glm-4"])
def test_kitoken_prepared_on_disk_counts_the_same(all_tokenizers, tmp_path, monkeypatch, name):
    """kitoken's prepared form is cached by sha256 (of the tokenizer.json and of itself): the engine
    loaded from it encodes exactly as one built from the JSON, and a damaged copy is rebuilt."""
    import kitoken

    from tokcost import paths
    from tokcost.tokenizers.assets import asset_path
    from tokcost.tokenizers.fast import kitoken_engine
    from tokcost.tokenizers.registry import tokenizer_spec

    monkeypatch.setattr(paths, "cache_dir", lambda: tmp_path)
    path = asset_path(tokenizer_spec(name).asset)
    built = kitoken_engine(path)
    [prepared] = (tmp_path / "engines").glob("*.kit")
    calls = []
    real = kitoken.Kitoken.from_tokenizers  # built from the JSON without its added tokens (ordinary.py)
    monkeypatch.setattr(kitoken.Kitoken, "from_tokenizers", lambda data: calls.append(str(path)) or real(data))
    loaded = kitoken_engine(path)
    assert calls == []  # served from the prepared file
    text = "\n".join(ADVERSARIAL) + "".join(s[:50_000] for s in corpus_samples())
    assert loaded.encode(text, False) == built.encode(text, False)
    prepared.write_bytes(prepared.read_bytes()[:-10] + b"0123456789")  # damaged: rebuilt from the JSON
    rebuilt = kitoken_engine(path)
    assert calls == [str(path)] and rebuilt.encode(text, False) == built.encode(text, False)



# Whether a fast engine counts is a value passed down from the call (CountSession.fast), never state
# that one call leaves behind for the next or that worker processes must inherit.

def _record_engines(monkeypatch, name: str, log) -> None:
    """`name`'s backend counts 1 per call and appends `<engine> <pid> <thread>` to `log` for each count,
    and `build <pid> <thread>` when its fast engine is loaded (forked workers inherit all this)."""
    import os
    import threading

    def record(what: str) -> None:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{what} {os.getpid()} {threading.current_thread().name}\n")

    def counter(engine: str):
        return lambda text: record(engine) or 1

    backend = get_tokenizer(name)
    monkeypatch.setitem(backend.__dict__, "_fast", None)  # undone last: a loaded engine comes back as it was
    monkeypatch.delitem(backend.__dict__, "_fast")  # loaded again below, through the recording builder
    monkeypatch.setattr(backend, "_build_fast", lambda: record("build") or counter("fast"))
    monkeypatch.setattr(backend, "count_reference", counter("reference"))


def _events(log) -> list[str]:
    return [line.split()[0] for line in log.read_text().splitlines()] if log.exists() else []


def test_a_small_session_leaves_later_counts_alone(tmp_path, monkeypatch):
    """A session for a small input counts with the reference engine without loading the fast one, and
    a plain count() after it still uses the fast engine (not so if the session's choice were kept in
    the module)."""
    from tokcost.counting.session import CountSession

    log = tmp_path / "engines.log"
    _record_engines(monkeypatch, "o200k_base", log)
    with CountSession(["o200k_base"], jobs=1, cache=False, size_hint=10) as session:
        assert session.fast is False
        session.count_text("a few words")
    assert _events(log) == ["reference"]
    get_tokenizer("o200k_base").count("a few words")
    assert _events(log) == ["reference", "build", "fast"]


def test_a_session_identity_names_the_engine_its_size_picks(monkeypatch):
    """The count cache's key names the reference library for a small input, the fast engine for a
    large or unknown one: a count is never served to a call that would count with the other."""
    from tokcost.counting.cache import tokenizer_identity
    from tokcost.counting.session import CountSession
    from tokcost.tokenizers import fast
    from tokcost.tokenizers.registry import tokenizer_spec

    spec = tokenizer_spec("o200k_base")
    assert fast.counting_engine("o200k_base", spec.format, spec.normalize, spec.library, False).startswith("tiktoken ")
    assert fast.counting_engine("o200k_base", spec.format, spec.normalize, spec.library, True).startswith("quicktok ")
    monkeypatch.setattr(fast, "SMALL_INPUT_BYTES", 100)
    identities = {}
    for hint in (99, 100, None):
        with CountSession(["o200k_base"], jobs=1, size_hint=hint) as session:
            identities[hint] = session.identities["o200k_base"]
            assert session.fast is (hint != 99)
    assert identities[99] == tokenizer_identity("o200k_base", fast=False)
    assert identities[100] == identities[None] == tokenizer_identity("o200k_base", fast=True) != identities[99]


@pytest.mark.parametrize("name", ["o200k_base", "deepseek-v3"])  # workers: threads (quicktok, tiktoken), processes
@pytest.mark.parametrize("size_hint, engine", [(10, "reference"), (None, "fast")])
def test_workers_count_with_the_engine_the_identity_names(tmp_path, monkeypatch, size_hint, engine, name):
    """Files (read by workers) and streamed text (chunks sent to workers) are counted by workers with
    the engine the session chose and named in the count cache's identities; workers load the fast
    engine only when it counts. The workers are threads of this process, which load it once, for
    o200k_base (quicktok and tiktoken count in parallel in threads), processes for deepseek-v3."""
    import os

    from tokcost.counting import engine as counting_engine
    from tokcost.counting import session as counting_session
    from tokcost.counting.cache import tokenizer_identity
    from tokcost.counting.inputs import Input
    from tokcost.counting.session import CountSession

    monkeypatch.setenv("TOKCOST_COUNT_CACHE_DIR", str(tmp_path / "counts"))  # the fake counts stay here
    monkeypatch.setattr(counting_session, "POOL_FROM_BYTES", 1)
    monkeypatch.setattr(counting_engine, "CHUNK_CHARS", 100)
    log = tmp_path / "engines.log"
    _record_engines(monkeypatch, name, log)
    path = tmp_path / "a.txt"
    path.write_text("some words\n" * 20, encoding="utf-8")
    with CountSession([name], jobs=2, size_hint=size_hint) as session:
        assert session.identities[name] == tokenizer_identity(name, fast=engine == "fast")
        session.count_input(Input(str(path), path))
        assert session.count_text("some words\n" * 100).tokens[name] > 1  # several chunks
    seen = [line.split() for line in log.read_text().splitlines()]
    assert {e for e, _, _ in seen} == ({"build", "fast"} if engine == "fast" else {"reference"})
    if name == "o200k_base":
        assert {pid for _, pid, _ in seen} == {str(os.getpid())}
        assert all(thread.startswith("tokcost-") for _, _, thread in seen)  # loaded and counted by the workers
        assert [e for e, _, _ in seen].count("build") == (engine == "fast")
    else:
        assert str(os.getpid()) not in {pid for _, pid, _ in seen}  # all counted by the worker processes


def _fresh_python(code: str, *args: str) -> object:
    """What `code` prints (JSON) in a new interpreter: importlib.metadata as a run of tokcost has it
    (packages that import the importlib_metadata backport, as some tests' do, replace its finder)."""
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


_VERSIONS = """
import json, sys
from importlib import metadata
from tokcost.tokenizers import fast
names = sorted({d.metadata["Name"] for d in metadata.distributions()} | {"no-such-distribution-for-tokcost"})
def official(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
print(json.dumps({n: [fast._dist_info_version(n), official(n)] for n in names}))
"""


def test_engine_versions_read_without_importlib_metadata_are_its_versions():
    """Every count's cache identity names its engine's version: read from the dist-info folder itself
    (importing importlib.metadata costs ~10 ms of each run), and always what importlib.metadata says."""
    from tokcost.tokenizers import fast

    versions = _fresh_python(_VERSIONS)
    assert {n: v for n, (v, _) in versions.items() if v != fast._ASK} == {n: v for n, (ours, v) in versions.items()
                                                                        if ours != fast._ASK}
    for name in ("tiktoken", "quicktok-v1", "kitoken", "no-such-distribution-for-tokcost"):
        assert versions[name][0] == versions[name][1]


_LAYOUTS = """
import json, sys, zipfile
from importlib import metadata
from importlib.machinery import PathFinder
from pathlib import Path
from tokcost.tokenizers import fast
tmp = Path(sys.argv[1])
site = tmp / "site"
(site / "demo_engine-1.2.dist-info").mkdir(parents=True)
(site / "demo_engine-1.2.dist-info" / "METADATA").write_text("Name: demo-engine\\nVersion: 1.2\\n\\nVersion: 9\\n")
sys.path[:] = [str(tmp / "missing"), str(site)]
out = {"usual": [fast._dist_info_version("Demo.Engine"), metadata.version("Demo.Engine")]}
class Other:
    def find_distributions(self, context=None):
        return iter(())
finders = sys.meta_path[:]
sys.meta_path[:] = [PathFinder, Other()]
out["then another finder"] = [fast._dist_info_version("demo-engine"), fast._dist_info_version("absent-engine")]
sys.meta_path[:] = [Other(), PathFinder]
out["another finder first"] = fast._dist_info_version("demo-engine")
sys.meta_path[:] = finders
(site / "Demo.Engine-1.3.dist-info").mkdir()
out["two candidates"] = fast._dist_info_version("demo-engine")
with zipfile.ZipFile(tmp / "libs.zip", "w") as archive:
    archive.writestr("other-1.0.dist-info/METADATA", "Name: other\\nVersion: 1.0\\n")
sys.path[:] = [str(tmp / "libs.zip")]
out["zip"] = fast._dist_info_version("other")
out["folded"] = fast._version_header("Name: x\\nVersion: 1.0\\n  folded\\n")
print(json.dumps(out))
"""


def test_unusual_distribution_layouts_are_left_to_importlib_metadata(tmp_path):
    from tokcost.tokenizers import fast

    ask = fast._ASK
    assert _fresh_python(_LAYOUTS, str(tmp_path)) == {
        "usual": ["1.2", "1.2"],
        "then another finder": ["1.2", ask],  # the path finder answers first; the other may know the absent one
        "another finder first": ask, "two candidates": ask, "zip": ask, "folded": ask}


def test_a_pinned_engine_file_is_hashed_once_while_unchanged(tmp_path, monkeypatch):
    """quicktok's vocabulary must be the pinned one; its hash is remembered by (size, mtime, inode),
    like an unchanged input's counts, and taken again once the file changes."""
    import os

    from tokcost.digest import sha256
    from tokcost.tokenizers import fast

    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path / "cache"))
    vocab = tmp_path / "o200k.vocab"
    vocab.write_bytes(b"pinned")
    os.utime(vocab, ns=(1_000_000_000, 1_000_000_000))  # not modified within the last seconds
    pin = sha256(b"pinned")
    assert fast._has_sha256(vocab, pin) and not fast._has_sha256(vocab, sha256(b"other"))
    monkeypatch.setattr(fast, "sha256_file", lambda path: pytest.fail("hashed an unchanged file again"))
    assert fast._has_sha256(vocab, pin)
    monkeypatch.undo()
    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path / "cache"))
    vocab.write_bytes(b"changed")  # another size and mtime: hashed again, and refused
    assert not fast._has_sha256(vocab, pin)
    assert not fast._has_sha256(tmp_path / "missing.vocab", pin)
