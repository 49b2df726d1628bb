"""The workers with real processes: a killed worker fails the command, Ctrl-C stops it (and counting threads).

Each case runs `tokcost count` in its own session, waits until its forked workers are counting, then
kills a worker or sends SIGINT. The time bounds are hang bounds (a hang is forever), not speed claims.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tokcost.comparison.corpora import corpus_path

HANG_BOUND_S = 15.0
ENGINE_START_BOUND_S = 60.0


@pytest.fixture(scope="module")
def big_text(tmp_path_factory) -> Path:
    """~12 MB of English: several seconds per worker for DeepSeek's reference tokenizer."""
    text = corpus_path("en-literature-brown").read_bytes()
    path = tmp_path_factory.mktemp("pool") / "big.txt"
    path.write_bytes(text * (12_000_000 // len(text) + 1))
    return path


@pytest.fixture(scope="module")
def whole_text(tmp_path_factory) -> Path:
    """~8 MB: under the size J2 (which counts inputs whole) accepts, several seconds for it."""
    text = corpus_path("en-literature-brown").read_bytes()
    path = tmp_path_factory.mktemp("pool") / "whole.txt"
    path.write_bytes((text * (8_000_000 // len(text) + 1))[:8_000_000])
    return path


@pytest.fixture(scope="module")
def big_dataset(big_text) -> Path:
    """The same text as a JSONL dataset (`--field text`), counted by the dataset shard pool."""
    lines = big_text.read_text("utf-8").split("\n")
    path = big_text.with_name("big.jsonl")
    with path.open("w", encoding="utf-8") as out:
        for i in range(0, len(lines), 50):
            out.write(json.dumps({"text": "\n".join(lines[i:i + 50])}) + "\n")
    return path


@pytest.fixture(params=["text", "dataset"])
def big_input(request, big_text, big_dataset) -> tuple[Path, tuple[str, ...]]:
    return (big_text, ()) if request.param == "text" else (big_dataset, ("--field", "text"))


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _start(path: Path, cache_dir: Path, tokenizer: str, *extra: str, workers: int = 2) -> tuple[subprocess.Popen, list[int]]:
    env = {**os.environ, "TOKCOST_ENGINE": "reference", "TOKCOST_COUNT_CACHE_DIR": str(cache_dir),
           "TOKCOST_SHARD_BYTES": str(2 << 20)}  # a dataset in several shards
    proc = subprocess.Popen([sys.executable, "-m", "tokcost", "count", str(path), "-t", tokenizer, *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + ENGINE_START_BOUND_S
    while len(kids := _children(proc.pid)) < workers:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"no {workers} workers appeared: {proc.communicate()}")
        time.sleep(0.05)
    time.sleep(0.5)  # let them start counting
    assert proc.poll() is None, "the count finished before the test could interrupt it"
    return proc, kids


def _finish(proc: subprocess.Popen) -> tuple[int, str, float]:
    started = time.monotonic()
    try:
        _, err = proc.communicate(timeout=HANG_BOUND_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"tokcost did not exit within {HANG_BOUND_S} s")
    return proc.returncode, err.decode(), time.monotonic() - started


def test_a_killed_worker_fails_the_command_naming_the_input(big_input, tmp_path):
    path, extra = big_input
    proc, kids = _start(path, tmp_path / "counts", "deepseek-v3", "-j", "2", *extra)
    os.kill(kids[0], signal.SIGKILL)
    code, err, _ = _finish(proc)
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"tokcost: {path}: ") and "worker process died" in err
    assert not any(_alive(k) for k in kids)
    assert not list((tmp_path / "counts").rglob("*.json"))


@pytest.mark.parametrize("target", ["group", "main"])
def test_ctrl_c_stops_a_parallel_count(big_input, tmp_path, target):
    path, extra = big_input
    proc, kids = _start(path, tmp_path / "counts", "deepseek-v3", "-j", "2", *extra)
    if target == "group":  # what a terminal does
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, signal.SIGINT)
    code, err, _ = _finish(proc)
    assert (code, err) == (130, "tokcost: interrupted\n")
    time.sleep(0.2)
    assert not any(_alive(k) for k in kids), "workers outlived the command"
    assert not [p for p in (tmp_path / "counts").rglob("*") if p.is_file()], "a cache entry was written"


def test_ctrl_c_stops_one_long_library_call(whole_text, tmp_path):
    """J2 counts whole texts: one long sentencepiece call, run in a worker so that Ctrl-C is heard."""
    proc, kids = _start(whole_text, tmp_path / "counts", "j2", "-j", "1", workers=1)
    os.kill(proc.pid, signal.SIGINT)
    code, err, _ = _finish(proc)
    assert (code, err) == (130, "tokcost: interrupted\n")
    assert not any(_alive(k) for k in kids)


def test_parallel_count_still_completes_and_matches_one_process(tmp_path):
    text = corpus_path("en-tech-debref").read_text("utf-8") * 3
    path = tmp_path / "t.txt"
    path.write_text(text, "utf-8")
    runs = [subprocess.run([sys.executable, "-m", "tokcost", "count", str(path), "-t", "o200k_base",
                            "--no-cache", "-f", "csv", "-j", jobs], capture_output=True, text=True,
                           timeout=120) for jobs in ("1", "2")]
    assert [r.returncode for r in runs] == [0, 0]
    assert runs[0].stdout == runs[1].stdout


@pytest.fixture(scope="module")
def long_text(tmp_path_factory) -> Path:
    """~96 MB of English: quicktok counts it for ~1 s on two threads, after its ~0.4 s load."""
    text = corpus_path("en-literature-brown").read_bytes()
    path = tmp_path_factory.mktemp("pool") / "long.txt"
    path.write_bytes(text * 16)
    return path


def _threads(pid: int) -> int:
    try:
        return len(list(Path(f"/proc/{pid}/task").iterdir()))
    except OSError:
        return 0


def test_ctrl_c_stops_counting_threads(big_text, tmp_path):
    """sentencepiece counts in threads of the tokcost process: a Ctrl-C ends it without a traceback."""
    env = {**os.environ, "TOKCOST_COUNT_CACHE_DIR": str(tmp_path / "counts")}
    proc = subprocess.Popen([sys.executable, "-m", "tokcost", "count", str(big_text), "-t", "mistral-v3", "-j", "2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + ENGINE_START_BOUND_S
    while _threads(proc.pid) < 3:  # the main thread and two counting threads
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"no counting threads appeared: {proc.communicate()}")
        time.sleep(0.05)
    time.sleep(0.5)
    assert not _children(proc.pid), "worker processes instead of threads"
    os.killpg(proc.pid, signal.SIGINT)
    code, err, _ = _finish(proc)
    assert (code, err) == (130, "tokcost: interrupted\n")
    assert not [p for p in (tmp_path / "counts").rglob("*") if p.is_file()], "a cache entry was written"


def test_ctrl_c_while_quicktok_counts_in_threads_exits_130(long_text):
    """A process that ends while a thread is inside quicktok's count is aborted by its C++ runtime
    ("terminate called without an active exception", SIGABRT: about one try in three before the
    threads were waited for), so an interrupt waits for the running ranges. Interrupted four times
    while both threads count (a try that finished first does not count)."""
    interrupted = 0
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, "-m", "tokcost", "count", str(long_text), "-t", "o200k_base",
                                 "-j", "2", "--no-cache"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + ENGINE_START_BOUND_S
        while _threads(proc.pid) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.7)  # quicktok loaded (~0.4 s), counting
        if proc.poll() is not None:
            proc.communicate()
            continue
        os.killpg(proc.pid, signal.SIGINT)
        code, err, _ = _finish(proc)
        assert (code, err) == (130, "tokcost: interrupted\n")
        interrupted += 1
        if interrupted == 4:
            break
    assert interrupted == 4, "the count kept finishing before it could be interrupted"
