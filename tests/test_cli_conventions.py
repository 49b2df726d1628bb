"""CLI conventions: --version, -h, help without Python types, models as tokenizers, tokenize with
several tokenizers side by side, partial bytes as <E9 BE>, plain ids, count -q, the stdin hint."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

import tokcost
from tokcost.tokenizers import get_tokenizer

RARE = "龘𠀀é"  # characters that byte-level vocabularies split into partial bytes
_BYTES = re.compile(r"<([0-9A-F]{2}(?: [0-9A-F]{2})*)>")


def run(*args: str, stdin: bytes | None = b"") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tokcost", *args], input=stdin, capture_output=True,
                          env={**os.environ, "COLUMNS": "100"})


def test_version_and_short_help():
    assert run("--version").stdout.decode().strip() == f"tokcost {tokcost.__version__}"
    for args in (["-h"], ["count", "-h"], ["cost", "-h"]):
        proc = run(*args)
        assert proc.returncode == 0 and "Usage:" in proc.stdout.decode()


@pytest.mark.parametrize("command", ["count", "tokenize", "cost", "check", "compare", "prices"])
def test_help_shows_no_python_types(command):
    text = run(command, "--help").stdout.decode()
    assert "Usage:" in text and not re.search(r"<(list\[|str>|int>|int range>|path>)", text), text


def test_completion_is_offered():
    assert "--install-completion" in run("--help").stdout.decode()


def test_model_name_as_tokenizer_said_once():
    proc = run("count", "--text", "I am a bald ZOMI", "-t", "gpt-4o", "-q")
    assert proc.stdout.decode() == f"{len(get_tokenizer('o200k_base').encode('I am a bald ZOMI'))}\n"
    lines = proc.stderr.decode().splitlines()
    assert len(lines) == 1 and "o200k_base" in lines[0] and "exact" in lines[0]


def test_estimate_model_says_estimate():
    proc = run("count", "--text", "hello", "-t", "claude-3-haiku", "-q")
    assert proc.returncode == 0 and "estimate" in proc.stderr.decode()


def test_unknown_tokenizer_or_model_is_one_line():
    proc = run("count", "--text", "x", "-t", "gpt-4oo")
    assert proc.returncode == 2 and len(proc.stderr.decode().splitlines()) == 1
    assert "gpt-4o" in proc.stderr.decode()


def test_count_quiet_prints_just_the_number(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("给我一个合理解释北京大学", encoding="utf-8")
    proc = run("count", "-q", str(f), "-t", "cl100k_base")
    assert proc.stdout.decode() == "10\n" and proc.returncode == 0


def test_tokenize_side_by_side_plain_ids():
    proc = run("tokenize", "I am a bald ZOMI", "-t", "cl100k_base", "-t", "qwen")
    out = proc.stdout.decode()
    assert "cl100k_base (7)" in out and "qwen (" in out
    assert "48653" in out and "48,653" not in out  # ids are plain numbers
    data = json.loads(run("tokenize", "I am a bald ZOMI", "-t", "cl100k_base", "-t", "qwen", "-f", "json").stdout)
    assert [d["tokenizer"] for d in data] == ["cl100k_base", "qwen"]
    assert data[0]["ids"] == [40, 1097, 264, 48653, 1901, 1937, 40]


@pytest.mark.parametrize("name", ["cl100k_base", "deepseek-v3", "mistral-v3"])
def test_partial_bytes_shown_as_hex(name):
    backend = get_tokenizer(name)
    pieces = backend.pieces(backend.encode(RARE))
    assert "\ufffd" not in "".join(pieces)
    raw = b"".join(bytes.fromhex(m.group(1)) if (m := _BYTES.fullmatch(p)) else p.replace("\u2581", " ").encode()
                   for p in pieces)
    assert raw.strip() == RARE.encode()
    assert any(_BYTES.fullmatch(p) for p in pieces)


def test_stdin_hint_only_on_a_terminal(monkeypatch, capsys):
    from tokcost.cli import names

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    names.stdin_hint(["-"])
    assert "Ctrl-D" in capsys.readouterr().err
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    names.stdin_hint(["-"])
    names.stdin_hint(["a.txt"])
    assert capsys.readouterr().err == ""


# Values typer converts: plain, edge and bad ones (each annotation gets all; typer's answer is the reference).
_SAMPLES = [None, "", "x", "json", "JSON", "Json", "xml", " json", "0", "1", "007", " 1", "1 ", "+1", "-1",
            "1_000", "1e3", "1.0", "１", "1000000000", "1000000001", "1000000000000000", "1000000000000001",
            "99999999999999999999999", 0, 1, 3, True, False, 2.0, b"bytes", ["a", "b"], ("a",), [], ["1", "x"],
            [1], "true", "no"]


def _typer_params():
    typer_main = pytest.importorskip("typer.main")
    pytest.importorskip("typer._coercion")  # typer >= 0.29 converts values with pydantic adapters
    from tokcost.cli import app

    def walk(command, name):
        for param in command.params:
            yield name, command, param
        for sub_name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, sub_name)

    return list(walk(typer_main.get_command(app), "tokcost"))


def _outcome(runtime, value, param, ctx):
    try:
        value = runtime.coerce(value, param=param, ctx=ctx)
    except Exception as exc:  # typer's BadParameter, or a developer error: compared as they are
        return "raised", type(exc).__name__, str(exc)
    return "value", repr(value), type(value), [type(v) for v in value] if isinstance(value, list) else None


def test_plain_option_values_convert_exactly_as_typer_does():
    """tokcost.cli.coercion converts str, int, choices and lists of them without pydantic; every other
    value (and every error) is typer's. Any difference from typer's own conversion is a failure."""
    from typer._coercion import build_runtime_param

    from tokcost.cli.render import Format

    plain = 0
    for name, command, param in _typer_params():
        ctx = command.context_class(command, info_name=name)
        ours = param.get_runtime_param()
        theirs = build_runtime_param(param.type_descriptor)
        plain += type(ours).__name__ == "PlainRuntimeParam"
        for value in [*_SAMPLES, Format.csv]:
            expected = _outcome(theirs, value, param, ctx)
            assert _outcome(ours, value, param, ctx) == expected, (name, param.name, value)
    assert plain > 50  # the str, int, format and list[str] options of every command


def test_a_command_imports_no_pydantic():
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "tokcost", "count", "--text", "x", "-f", "json",
                           "-t", "o200k_base", "--jobs", "1", "--no-cache"], capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()
    imported = re.findall(r"^import time:.*\|\s*([\w.]+)$", proc.stderr.decode(), flags=re.M)
    assert "tokcost.counting.api" in imported and not [m for m in imported if m.split(".")[0] == "pydantic"]
