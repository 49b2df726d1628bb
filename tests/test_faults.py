"""Fault injection, for real: signals to real processes, a killed worker, unreadable inputs as a
non-root user, hostile input, a read-only / full / shared count cache. Every case is bounded in time
(a hang fails the test instead of hanging the suite) and every bad input must give one stderr line
and the documented exit code, never a traceback.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tokcost.cli import main
from tokcost.counting.cache import CountCache
from tokcost.digest import sha256_file
from tokcost.tokenizers import get_tokenizer
from tokcost.tokenizers.assets import get_spec
from tokcost.tokenizers.registry import forget_tokenizers

EN = "I am a bald ZOMI.\nTokens cost money.\n"
LIMIT = 60  # seconds: a hang detector, never a timing assertion


def cli(capsys, *args: str, stdin: bytes | None = None, monkeypatch=None) -> tuple[int, str, str]:
    """Run the CLI in this process; any traceback fails the test by propagating."""
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def run(*args: str, timeout: float = LIMIT, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "tokcost", *args], capture_output=True, timeout=timeout,
                          **kwargs)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    return proc


# ---------------------------------------------------------------- unreadable inputs (as a non-root user)

@pytest.fixture()
def shared_dir() -> Iterator[Path]:
    """A folder another user can enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="tokcost-faults-"))
    path.chmod(0o755)
    yield path
    for p in [path, *path.rglob("*")]:
        if p.is_dir():
            p.chmod(0o755)
    shutil.rmtree(path, ignore_errors=True)


def _as_user(shared: Path) -> tuple[list[str], dict[str, str]]:
    """A command prefix and environment that run tokcost as `nobody` (or as oneself when not root),
    with a readable copy of the cl100k_base tokenizer file and a writable count cache."""
    cache = shared / "cache"
    (cache / "assets").mkdir(parents=True, exist_ok=True)
    for name in ("cl100k_base", "o200k_base"):  # count's -t cl100k_base, and gpt-4o's tokenizer
        spec = get_spec(name)
        target = cache / "assets" / spec.cached_path.name
        shutil.copyfile(spec.cached_path, target)
        target.chmod(0o644)
    for p in (cache, cache / "assets"):
        p.chmod(0o777)
    env = {**os.environ, "TOKCOST_CACHE_DIR": str(cache), "TOKCOST_COUNT_CACHE_DIR": str(cache / "counts"),
           "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(shared), "COLUMNS": "200"}
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    if prefix and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot drop privileges to test unreadable files")
    return prefix, env


def run_as_user(shared: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    prefix, env = _as_user(shared)
    proc = subprocess.run([*prefix, sys.executable, "-m", "tokcost", *args], capture_output=True, env=env,
                          cwd=shared, input=stdin, timeout=LIMIT)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    return proc


@pytest.fixture()
def locked_tree(shared_dir: Path) -> Path:
    """tree/en.txt readable; tree/locked/ (chmod 000) holds a file; tree/secret.txt is chmod 000."""
    tree = shared_dir / "tree"
    (tree / "locked").mkdir(parents=True)
    (tree / "en.txt").write_text(EN)
    (tree / "locked" / "inside.txt").write_text(EN * 100)
    (tree / "secret.txt").write_text(EN * 100)
    for p in (shared_dir, tree, tree / "en.txt"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    (tree / "locked").chmod(0)
    (tree / "secret.txt").chmod(0)
    return tree


def test_the_test_user_really_cannot_read(locked_tree):
    prefix, env = _as_user(locked_tree.parent)
    proc = subprocess.run([*prefix, "ls", str(locked_tree / "locked")], capture_output=True, env=env)
    assert proc.returncode != 0 and b"Permission denied" in proc.stderr


def test_count_reports_an_unreadable_folder_and_file_and_counts_the_rest(locked_tree):
    proc = run_as_user(locked_tree.parent, "count", str(locked_tree), "-t", "cl100k_base", "-f", "json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert [Path(f["path"]).name for f in report["files"]] == ["en.txt"]
    assert report["totals"][0]["tokens"] == get_tokenizer("cl100k_base").count(EN)
    errors = {Path(e["path"]).name: e["error"] for e in report["errors"]}
    assert set(errors) == {"locked", "secret.txt"}
    assert all("permission denied" in e.lower() for e in errors.values())
    assert report["skipped"] == []
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 2 and all("ermission denied" in line for line in lines)


@pytest.mark.parametrize("fmt", ["csv", "table"])
def test_unreadable_inputs_are_in_every_format(locked_tree, fmt):
    proc = run_as_user(locked_tree.parent, "count", str(locked_tree), "-t", "cl100k_base", "-f", fmt)
    assert proc.returncode == 1
    shown = proc.stdout.decode() + proc.stderr.decode()
    assert "locked" in shown and "secret.txt" in shown
    if fmt == "csv":
        rows = proc.stdout.decode().strip().splitlines()
        assert rows[0].endswith(",status,reason")
        assert sum(",error," in r for r in rows) == 2


def test_check_fails_closed_on_an_unreadable_folder(locked_tree):
    proc = run_as_user(locked_tree.parent, "check", str(locked_tree), "-m", "gpt-4o", "--budget", "0.0001USD")
    assert proc.returncode == 2
    assert b"ok" not in proc.stdout.split(b":")[0]
    assert b"could not read 2 inputs; not checked" in proc.stdout + proc.stderr
    proc = run_as_user(locked_tree.parent, "check", str(locked_tree), "-m", "gpt-4o", "--budget", "1USD",
                       "-f", "json")
    assert proc.returncode == 2
    data = json.loads(proc.stdout)
    assert data["ok"] is False and data["checked"] is False and len(data["errors"]) == 2


def test_cost_reports_unreadable_inputs_and_prices_the_rest(locked_tree):
    proc = run_as_user(locked_tree.parent, "cost", str(locked_tree), "-m", "gpt-4o", "-f", "json")
    assert proc.returncode == 1
    [record] = json.loads(proc.stdout)
    assert record["input_tokens"] == get_tokenizer("cl100k_base").count(EN) or record["inputs"] == 1
    assert len(record["errors"]) == 2
    proc = run_as_user(locked_tree.parent, "cost", str(locked_tree), "-m", "gpt-4o", "-f", "csv")
    rows = proc.stdout.decode().strip().splitlines()
    assert proc.returncode == 1 and sum(",error," in r for r in rows) == 2


def test_a_named_file_inside_an_unreadable_folder_is_one_line(locked_tree):
    inside = locked_tree / "locked" / "inside.txt"
    proc = run_as_user(locked_tree.parent, "count", str(inside), str(locked_tree / "en.txt"), "-t", "cl100k_base")
    assert proc.returncode == 1
    line = one_line(proc.stderr.decode())
    assert str(inside) in line and "permission denied" in line.lower()


def test_a_file_that_vanishes_is_an_error(tmp_path, monkeypatch, capsys):
    """A file listed by a folder walk and deleted before it is read (a race with another process)."""
    from tokcost.counting import api
    from tokcost.counting.inputs import Input

    (tmp_path / "en.txt").write_text(EN)
    gone = tmp_path / "gone.txt"
    real = api.expand
    monkeypatch.setattr(api, "expand", lambda args: (real(args)[0] + [Input(str(gone), gone, walked=True)], []))
    code, out, err = cli(capsys, "count", str(tmp_path), "-f", "json")
    assert code == 1 and "gone.txt: no such file" in one_line(err)
    assert [Path(f["path"]).name for f in json.loads(out)["files"]] == ["en.txt"]


def test_an_io_error_while_reading_is_an_error(tmp_path, monkeypatch, capsys):
    from tokcost.counting import decoding

    path = tmp_path / "flaky.txt"
    path.write_text("x" * (decoding.BLOCK_BYTES * 3))
    real_open = decoding._open

    class Flaky(io.BufferedReader):
        def read(self, n=-1):
            if self.tell() > 0:
                raise OSError(5, "Input/output error")
            return super().read(n)

    monkeypatch.setattr(decoding, "_open", lambda p: Flaky(io.FileIO(str(p))) if p == path else real_open(p))
    code, out, err = cli(capsys, "check", str(path), "-m", "gpt-4o", "--budget", "100")
    assert code == 2 and "Input/output error" in one_line(err) and out == "could not read 1 input; not checked\n"


# ---------------------------------------------------------------- empty is zero

@pytest.mark.parametrize("command", [
    ["count"], ["cost", "-m", "gpt-4o"], ["check", "-m", "gpt-4o", "--budget", "0"],
], ids=["count", "cost", "check"])
@pytest.mark.parametrize("source", ["file", "stdin"])
def test_empty_input_is_zero_tokens(capsys, monkeypatch, tmp_path, command, source):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    args = [*command, "-f", "json", *([str(empty)] if source == "file" else [])]
    code, out, err = cli(capsys, *args, stdin=b"" if source == "stdin" else None, monkeypatch=monkeypatch)
    assert code == 0, err
    assert err == ""
    data = json.loads(out)
    if command[0] == "count":
        assert data["totals"][0]["tokens"] == 0 and len(data["files"]) == 1
    elif command[0] == "cost":
        assert data[0]["input_tokens"] == 0 and data[0]["total_cost"] == "0.00"
    else:
        assert data["ok"] is True


def test_a_walk_lists_empty_files_as_skipped_in_every_format(capsys, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "en.txt").write_text(EN)
    code, out, _ = cli(capsys, "count", str(tmp_path), "-f", "json")
    assert code == 0 and [s["reason"] for s in json.loads(out)["skipped"]] == ["empty"]
    code, out, _ = cli(capsys, "count", str(tmp_path), "-f", "csv")
    assert code == 0 and any(r.endswith(",skipped,empty") and "empty.txt" in r for r in out.splitlines())
    code, out, err = cli(capsys, "count", str(tmp_path))
    assert code == 0 and "skipped" in err and "empty.txt" in err


# ---------------------------------------------------------------- no tracebacks: hostile input and options

def test_closed_stdin_is_one_line():
    proc = subprocess.run(["bash", "-c", f"exec {sys.executable} -m tokcost count -f csv <&-"],
                          capture_output=True, timeout=LIMIT)
    assert b"Traceback" not in proc.stderr
    assert proc.returncode == 1 and "<stdin>" in one_line(proc.stderr.decode())


@pytest.mark.parametrize("encoding", ["base64", "hex", "zlib", "rot13", "undefined", "bz2", "uu", "quopri"])
def test_non_text_codecs_are_refused(capsys, tmp_path, encoding):
    path = tmp_path / "h.txt"
    path.write_text("hello")
    code, _, err = cli(capsys, "count", str(path), "--encoding", encoding)
    assert code == 2 and "not a text encoding" in one_line(err)


def test_bomless_utf16_forced_as_utf16(capsys, tmp_path):
    path = tmp_path / "u16.txt"
    path.write_bytes("hello world\n中文\n".encode("utf-16-le"))
    code, _, err = cli(capsys, "count", str(path), "--encoding", "utf-16")
    assert code == 1 and "utf-16-le" in one_line(err) and "BOM" in err
    code, out, err = cli(capsys, "count", str(path), "--encoding", "utf-16-le", "-f", "json")
    assert code == 0 and json.loads(out)["totals"][0]["chars"] == len("hello world\n中文\n")


@pytest.mark.parametrize("damage", [
    {"chars": "x"}, {"chars": None}, {"chars": -5}, {"chars": True}, {"unknown": 1},
], ids=["str", "null", "negative", "bool", "unknown-key"])
def test_a_damaged_cache_entry_is_ignored_and_rewritten(capsys, tmp_path, monkeypatch, damage):
    monkeypatch.setenv("TOKCOST_COUNT_CACHE_DIR", str(tmp_path / "counts"))
    path = tmp_path / "en.txt"
    path.write_text(EN)
    code, out, _ = cli(capsys, "count", str(path), "-f", "json")
    good = json.loads(out)["totals"]
    cache = CountCache()
    entry = cache._path(CountCache.key(sha256_file(path), None))
    record = json.loads(entry.read_text())
    record["stats"].update(damage)
    entry.write_text(json.dumps(record))
    code, out, err = cli(capsys, "count", str(path), "-f", "json")
    assert code == 0 and err == "" and json.loads(out)["totals"] == good
    assert json.loads(entry.read_text())["stats"]["chars"] == len(EN)


@pytest.mark.parametrize(("args", "needle"), [
    (["check", "--text", "x", "-m", "gpt-4o", "--budget", "1e999999999"], "budget"),
    (["check", "--text", "x", "-m", "gpt-4o", "--budget", "1e-999999999"], "budget"),
    (["check", "--text", "x", "-m", "gpt-4o", "--budget", "1e100000USD"], "budget"),
    (["cost", "--text", "x", "-m", "gpt-4o", "--output-ratio", "1e30"], "output ratio"),
    (["cost", "--text", "x", "-m", "gpt-4o", "--output-ratio", "1e-999999999"], "output ratio"),
    (["cost", "--text", "x", "-m", "gpt-4o", "--usd-cny", "1e999999"], "rate"),
    (["cost", "--text", "x", "-m", "gpt-4o", "--cache-hit", "1e-99999999"], "cache-hit"),
    (["cost", "-m", "gpt-4o", "--input-tokens", "9" * 40], "--input-tokens"),
    (["cost", "-m", "gpt-4o", "--input-tokens", "1", "--output-tokens", "9" * 40], "--output-tokens"),
    (["cost", "-m", "gpt-4o", "--input-tokens", "1", "--requests", "9" * 40], "--requests"),
], ids=["budget-huge", "budget-tiny", "budget-100k-digits", "ratio-huge", "ratio-tiny", "fx-huge",
        "cache-hit-tiny", "input-tokens", "output-tokens", "requests"])
def test_numbers_in_options_are_range_checked(capsys, args, needle):
    code, out, err = cli(capsys, *args)
    assert code == 2 and needle in one_line(err) and out == ""
    assert len(err) < 300  # never a number printed with all its digits


def test_huge_but_allowed_numbers_still_work(capsys):
    code, out, err = cli(capsys, "check", "--text", "x", "-m", "gpt-4o", "--budget", "1000000000USD")
    assert code == 0 and out.startswith("ok:") and len(out) < 400
    code, out, err = cli(capsys, "cost", "-m", "gpt-4o", "--input-tokens", "1000000000000",
                         "--output-ratio", "1000", "-f", "json")
    assert code == 0, err


def test_deeply_nested_chat_json_is_one_line(capsys, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = cli(capsys, "cost", str(path), "-m", "gpt-4o")
    assert code == 1 and "nested" in one_line(err) and str(path) in err


def test_a_5000_digit_number_in_json_is_one_line(capsys, tmp_path):
    path = tmp_path / "big.json"
    path.write_text('{"messages": [{"role": "user", "content": "hi", "n": ' + "9" * 5000 + "}]}")
    code, _, err = cli(capsys, "cost", str(path), "-m", "gpt-4o")
    assert code == 1 and "digits" in one_line(err) and str(path) in err
    batch = tmp_path / "big.jsonl"
    batch.write_text('{"messages": [{"role": "user", "content": "hi"}]}\n'
                     '{"messages": [{"role": "user", "content": "hi", "n": ' + "9" * 5000 + "}]}\n")
    code, out, err = cli(capsys, "cost", str(batch), "-m", "gpt-4o", "-f", "json")
    assert code == 1 and f"{batch}:2" in one_line(err) and json.loads(out)[0]["requests"] == 1


# ---------------------------------------------------------------- JSONL lines

def test_jsonl_splits_on_newlines_only(capsys, tmp_path):
    """U+2028, U+2029 and U+0085 are valid raw characters inside JSON strings (str.splitlines splits there)."""
    lines = [json.dumps({"messages": [{"role": "user", "content": f"a{s}b"}]}, ensure_ascii=False)
             for s in ("\u2028", "\u2029", "\u0085", "plain")]
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes((lines[0] + "\n" + lines[1] + "\r\n" + lines[2] + "\n\n" + lines[3] + "\n").encode())
    code, out, err = cli(capsys, "cost", str(batch), "-m", "gpt-4o", "-f", "json")
    assert code == 0 and err == ""
    assert json.loads(out)[0]["requests"] == 4


# ---------------------------------------------------------------- clear messages

def test_bomless_utf16_is_not_called_binary(capsys, tmp_path):
    path = tmp_path / "u16.txt"
    path.write_bytes(("hello world, this is a text.\n" * 20).encode("utf-16-le"))
    code, out, err = cli(capsys, "count", str(path), "-f", "json")
    if code == 0:  # detected (charset detection may name it): then it must be counted right
        assert json.loads(out)["totals"][0]["chars"] == len("hello world, this is a text.\n" * 20)
    else:
        assert "binary" not in err and "UTF-16" in one_line(err)


def test_vertical_tabs_are_text(capsys, tmp_path):
    path = tmp_path / "vt.txt"
    text = "a\vb\vc\vd\ve\vf\vg\vh\vi\vj\vk\n\f" * 3
    path.write_text(text)
    code, out, err = cli(capsys, "count", str(path), "-f", "json")
    assert code == 0, err
    assert json.loads(out)["totals"][0]["chars"] == len(text)


def test_missing_tokenizer_file_says_no_such_file(capsys):
    code, _, err = cli(capsys, "count", "--text", "x", "-t", "some/missing.json")
    assert code == 2 and "no such file" in one_line(err) and "some/missing.json" in err


def test_missing_folder_message_is_clean(capsys):
    code, _, err = cli(capsys, "count", "nosuchdir/")
    assert code == 1 and one_line(err) == "tokcost: nosuchdir/: no such file or folder"


def test_a_corrupted_asset_names_the_sha256_mismatch(capsys, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    spec = get_spec("cl100k_base")
    (cache / "assets").mkdir(parents=True)
    bad = cache / "assets" / spec.cached_path.name
    bad.write_bytes(spec.cached_path.read_bytes()[:-10] + b"corrupted!")
    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(cache))
    forget_tokenizers()
    try:
        code, _, err = cli(capsys, "count", "--text", "x", "-t", "cl100k_base", "--no-cache")
    finally:
        forget_tokenizers()
    line = one_line(err)
    assert code == 1 and "sha256" in line and spec.sha256 in line and "tokcost fetch cl100k_base" in line


def test_offline_hf_fails_fast_with_one_line():
    env = {**os.environ, "HF_HOME": tempfile.mkdtemp(prefix="tokcost-hf-"), "HF_ENDPOINT": "http://192.0.2.1:9",
           "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    env.pop("HF_HUB_OFFLINE", None)
    start = time.monotonic()
    proc = run("count", "--text", "x", "-t", "hf:gpt2", env=env, timeout=LIMIT)
    took = time.monotonic() - start
    assert proc.returncode == 1
    line = one_line(proc.stderr.decode())
    assert "hf:gpt2" in line and ("offline" in line or "network" in line)
    assert took < LIMIT


# ---------------------------------------------------------------- bounded memory: J2 counts whole

def test_j2_refuses_an_input_too_large_to_count_whole(capsys, tmp_path, monkeypatch):
    from tokcost.counting import session

    monkeypatch.setattr(session, "WHOLE_LIMIT_BYTES", 1000)
    big = tmp_path / "big.txt"
    big.write_text("word " * 400)
    (tmp_path / "small.txt").write_text(EN)
    code, out, err = cli(capsys, "count", str(big), str(tmp_path / "small.txt"), "-t", "j2", "-t", "o200k_base",
                         "-f", "json")
    assert code == 1
    line = one_line(err)
    assert str(big) in line and "j2" in line and "whole" in line
    assert [f["path"] for f in json.loads(out)["files"]] == [str(tmp_path / "small.txt")] * 2


def test_j2_refuses_a_too_large_stdin(capsys, monkeypatch):
    from tokcost.counting import session

    monkeypatch.setattr(session, "WHOLE_LIMIT_BYTES", 1000)
    code, _, err = cli(capsys, "count", "-t", "j2", "-t", "o200k_base", stdin=b"word " * 400,
                       monkeypatch=monkeypatch)
    assert code == 1 and "<stdin>" in one_line(err) and "j2" in err


def test_j2_under_the_limit_is_exact(capsys, tmp_path):
    text = "Tokens cost money.\n\n  spaces   and\ttabs  \n" * 50
    path = tmp_path / "t.txt"
    path.write_text(text)
    code, out, _ = cli(capsys, "count", str(path), "-t", "j2", "-f", "json", "--no-cache")
    assert code == 0 and json.loads(out)["totals"][0]["tokens"] == get_tokenizer("j2").count(text)


# ---------------------------------------------------------------- the count cache under faults

def _count_tokens(capsys, path: Path) -> tuple[int, int, str]:
    code, out, err = cli(capsys, "count", str(path), "-f", "json")
    return code, json.loads(out)["totals"][0]["tokens"], err


def test_a_read_only_cache_dir_costs_only_speed(capsys, shared_dir, monkeypatch):
    counts = shared_dir / "counts"
    counts.mkdir()
    counts.chmod(0o555)
    (shared_dir / "en.txt").write_text(EN)
    (shared_dir / "en.txt").chmod(0o644)
    prefix, env = _as_user(shared_dir)
    env["TOKCOST_COUNT_CACHE_DIR"] = str(counts)
    for _ in range(2):
        proc = subprocess.run([*prefix, sys.executable, "-m", "tokcost", "count", str(shared_dir / "en.txt"),
                               "-t", "cl100k_base", "-f", "json"], capture_output=True, env=env, timeout=LIMIT)
        assert proc.returncode == 0 and proc.stderr == b""
        assert json.loads(proc.stdout)["totals"][0]["tokens"] == get_tokenizer("cl100k_base").count(EN)
    assert list(counts.iterdir()) == []


def test_a_full_disk_cache_costs_only_speed(capsys, tmp_path, monkeypatch):
    import tokcost.counting.cache as cache_module

    def full(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setenv("TOKCOST_COUNT_CACHE_DIR", str(tmp_path / "counts"))
    monkeypatch.setattr(cache_module, "atomic_write_bytes", full)
    (tmp_path / "en.txt").write_text(EN)
    for _ in range(2):
        code, tokens, err = _count_tokens(capsys, tmp_path / "en.txt")
        assert code == 0 and err == "" and tokens == get_tokenizer("o200k_base").count(EN)


def test_a_cache_dir_on_a_full_filesystem(tmp_path):
    """A real full disk where the platform allows it: a tiny tmpfs would need root and mount; instead a
    cache dir that is a file (ENOTDIR on every write) fails the same way, for real, in a real process."""
    blocker = tmp_path / "counts"
    blocker.write_text("not a folder")
    (tmp_path / "en.txt").write_text(EN)
    env = {**os.environ, "TOKCOST_COUNT_CACHE_DIR": str(blocker)}
    proc = run("count", str(tmp_path / "en.txt"), "-f", "json", env=env)
    assert proc.returncode == 0 and proc.stderr == b""
    assert json.loads(proc.stdout)["totals"][0]["tokens"] == get_tokenizer("o200k_base").count(EN)


def test_concurrent_writers_share_one_cache(tmp_path):
    env = {**os.environ, "TOKCOST_COUNT_CACHE_DIR": str(tmp_path / "counts")}
    files = []
    for i in range(4):
        path = tmp_path / f"f{i}.txt"
        path.write_text(EN * (i + 1) + f"file {i}\n")
        files.append(path)
    procs = [subprocess.Popen([sys.executable, "-m", "tokcost", "count", *map(str, files), "-t", "cl100k_base",
                               "-t", "qwen", "-f", "json", "-j", "1"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env) for _ in range(6)]
    outs = [p.communicate(timeout=LIMIT) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    totals = {json.dumps(json.loads(o)["totals"]) for o, _ in outs}
    assert len(totals) == 1
    entries = [p for p in (tmp_path / "counts").rglob("*.json") if p.parent.name != "stat"]  # not the stat index
    assert len(entries) == 4 and not list((tmp_path / "counts").rglob("*.tmp"))
    again = run("count", *map(str, files), "-t", "cl100k_base", "-t", "qwen", "-f", "json", env=env)
    assert json.dumps(json.loads(again.stdout)["totals"]) in totals


# ---------------------------------------------------------------- interrupts and dying workers (real processes)

@pytest.fixture(scope="module")
def big_file() -> Iterator[Path]:
    """Text that takes claude-legacy's reference engine many seconds to count on two cores."""
    folder = Path(tempfile.mkdtemp(prefix="tokcost-big-"))
    path = folder / "big.txt"
    lines = [f"Line {i}: tokens cost money, and counting them takes time. 大模型迎来跳水降价潮 {i * 7919}\n"
             for i in range(20_000)]
    block = "".join(lines).encode()
    with path.open("wb") as out:
        for _ in range(12):  # ~24 MB
            out.write(block)
    yield path
    shutil.rmtree(folder, ignore_errors=True)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _start_counting(big: Path, cache: Path) -> tuple[subprocess.Popen, list[int]]:
    env = {**os.environ, "TOKCOST_COUNT_CACHE_DIR": str(cache), "TOKCOST_ENGINE": "reference"}
    proc = subprocess.Popen([sys.executable, "-m", "tokcost", "count", str(big), "-t", "claude-legacy", "-j", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    deadline = time.monotonic() + LIMIT
    while time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        if workers:
            time.sleep(1.0)  # the workers are counting
            return proc, _children(proc.pid)
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the count never started its worker processes")


HANG = 20  # seconds after the signal: the promise is 2 s; far more than that is a hang


def _finish(proc: subprocess.Popen) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=HANG)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("tokcost hung")
    return proc.returncode, err.decode()


def _assert_no_workers_left(workers: list[int]) -> None:
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers), "worker processes outlived tokcost"


@pytest.mark.parametrize("target", ["group", "main"])
def test_ctrl_c_ends_a_parallel_count_with_130(big_file, tmp_path, target):
    cache = tmp_path / "counts"
    proc, workers = _start_counting(big_file, cache)
    if target == "group":
        os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C
    else:
        os.kill(proc.pid, signal.SIGINT)
    code, err = _finish(proc)
    assert code == 130
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    _assert_no_workers_left(workers)
    assert [p for p in cache.rglob("*") if p.is_file()] == []  # no partial cache entry


def test_a_killed_worker_fails_the_count_naming_the_input(big_file, tmp_path):
    proc, workers = _start_counting(big_file, tmp_path / "counts")
    os.kill(workers[0], signal.SIGKILL)  # what the out-of-memory killer does
    code, err = _finish(proc)
    assert code == 1
    line = one_line(err)
    assert str(big_file) in line
    _assert_no_workers_left(workers)


def test_ctrl_c_with_one_job_exits_130(big_file, tmp_path):
    env = {**os.environ, "TOKCOST_COUNT_CACHE_DIR": str(tmp_path / "counts"), "TOKCOST_ENGINE": "reference"}
    proc = subprocess.Popen([sys.executable, "-m", "tokcost", "count", str(big_file), "-t", "claude-legacy", "-j", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    time.sleep(3)
    assert proc.poll() is None, "the count finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    code, err = _finish(proc)
    assert code == 130 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert [p for p in (tmp_path / "counts").rglob("*") if p.is_file()] == []


# ---------------------------------------------------------------- hostile JSON in dataset files (--field)

DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 5000


@pytest.mark.parametrize(("name", "content", "bad"), [
    ("d.jsonl", '{"text": "hi"}\n' + DEEP + '\n{"text": "hi", "n": ' + HUGE + '}\n{"text": "ok"}\n', [2, 3]),
    ("d.json", DEEP, [1]),
    ("n.json", '{"text": "hi", "n": ' + HUGE + "}", [1]),
    ("a.json", '[{"text": "a"}, {"text": "b", "n": ' + HUGE + "}]", [2]),
    ("deep-array.json", '[{"text": "a"}, ' + DEEP + "]", [2]),
], ids=["jsonl", "deep-json", "huge-number-json", "huge-number-array", "deep-array"])
def test_hostile_json_in_a_dataset_is_a_record_error(capsys, tmp_path, name, content, bad):
    path = tmp_path / name
    path.write_text(content)
    code, _, err = cli(capsys, "count", str(path), "--field", "text", "-f", "json")
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == len(bad) and all(str(path) in line for line in lines)
    assert all(("nested" in line or "digits" in line) for line in lines), err
    for n, line in zip(bad, lines, strict=True):
        assert f"{n}" in line
