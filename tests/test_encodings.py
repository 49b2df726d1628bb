"""Encoding detection (charset-normalizer): legacy CJK encodings, UTF-16/32 with and without a BOM.

Every test file is written here, from text written here, in the encoding under test. A file is
counted as the text it holds, its encoding is in the JSON/CSV output, a note goes to stderr when it
is not UTF-8, and ambiguous evidence is refused (exit 1, naming --encoding), never guessed.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import subprocess
import sys

import pytest

from tokcost.counting.api import count
from tokcost.counting.decoding import sniff
from tokcost.tokenizers import get_tokenizer

JA = ("日本語は主に日本で話されている言語で、ひらがな、カタカナ、漢字の三種類の文字を使います。\n"
      "この研究は東京大学で行われ、約千五百人が参加しました。今日はいい天気ですね。\n")
KO = ("한국어는 대한민국의 공용어이며 한글로 표기합니다.\n"
      "이 연구는 서울대학교에서 진행되었으며 약 이천 명이 참여했습니다. 오늘 날씨가 정말 좋네요!\n")
ZH_HANT = "中文是世界上使用人數最多的語言之一，繁體字主要在臺灣、香港和澳門使用。\n這項研究於國立臺灣大學進行。\n"
ZH_HANS = "中文是世界上使用人数最多的语言之一，使用简体字和繁体字两种书写系统。\n这项研究在北京大学进行。\n"
BIG5_NAMES = "陳大文\n林美玲\n黃志明\n張家豪\n李淑芬\n王建國\n"
MIXED = "Tokens cost money: 大模型迎来跳水降价潮 — 日本語 and 한국어 🙂\n"

CASES = [  # (label, codec used to write the file, text, BOM written first)
    ("shift_jis", "shift_jis", JA * 4, b""), ("euc_jp", "euc_jp", JA * 4, b""), ("euc_kr", "euc_kr", KO * 4, b""),
    ("big5", "big5", ZH_HANT * 4, b""), ("big5 names", "big5", BIG5_NAMES, b""),
    ("gb18030", "gb18030", ZH_HANS * 4, b""),
    ("utf-16-le bom", "utf-16-le", MIXED * 4, codecs.BOM_UTF16_LE),
    ("utf-16-be bom", "utf-16-be", MIXED * 4, codecs.BOM_UTF16_BE),
    ("utf-16-le", "utf-16-le", MIXED * 4, b""), ("utf-16-be", "utf-16-be", MIXED * 4, b""),
    ("utf-32-le bom", "utf-32-le", MIXED * 4, codecs.BOM_UTF32_LE),
    ("utf-32-be bom", "utf-32-be", MIXED * 4, codecs.BOM_UTF32_BE),
    ("utf-32-le", "utf-32-le", MIXED * 4, b""), ("utf-32-be", "utf-32-be", MIXED * 4, b""),
    ("utf-8 bom", "utf-8", MIXED * 4, codecs.BOM_UTF8), ("utf-8", "utf-8", MIXED * 4, b""),
]


def write(tmp_path, label: str, codec: str, text: str, bom: bytes):
    path = tmp_path / f"{label.replace(' ', '-')}.txt"
    path.write_bytes(bom + text.encode(codec))
    return path


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tokcost", "count", "--no-cache", *args], capture_output=True,
                          text=True)


@pytest.mark.parametrize("label, codec, text, bom", CASES, ids=[c[0] for c in CASES])
def test_detected_and_counted_as_the_text(tmp_path, label, codec, text, bom):
    path = write(tmp_path, label, codec, text, bom)
    report = count([str(path)], tokenizers=["qwen"], cache=False)
    assert report.errors == [], report.errors
    record = report.files[0]
    assert record.tokens == get_tokenizer("qwen").count(text)
    assert record.chars == len(text)
    assert (bom + text.encode(codec)).decode(record.encoding) in (text, "\ufeff" + text)


def test_issue9_shift_jis_is_not_read_as_gb18030(tmp_path):
    """Issue 9, seen 5: a Shift-JIS file counted 900 tokens with exit 0 and no warning (320 right)."""
    path = write(tmp_path, "sjis", "shift_jis", JA * 4, b"")
    proc = cli(str(path), "-t", "o200k_base", "-f", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["files"][0]["tokens"] == get_tokenizer("o200k_base").count(JA * 4)
    assert codecs.lookup(data["files"][0]["encoding"]).name in ("cp932", "shift_jis", "shift_jis_2004")
    assert "read as" in proc.stderr and data["files"][0]["encoding"] in proc.stderr


def test_encoding_column_in_csv_and_no_note_for_utf8(tmp_path):
    utf8 = write(tmp_path, "u", "utf-8", MIXED, b"")
    big5 = write(tmp_path, "b", "big5", ZH_HANT * 4, b"")
    proc = cli(str(utf8), str(big5), "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [r["encoding"] for r in rows] == ["utf-8", "big5", ""]
    assert str(utf8) not in proc.stderr and f"{big5}: read as big5" in proc.stderr


@pytest.mark.parametrize("data", ["日本語".encode("shift_jis"), "Größe café".encode("latin-1")])
def test_ambiguous_evidence_is_refused_with_the_option_to_use(tmp_path, data):
    path = tmp_path / "short.txt"
    path.write_bytes(data)
    assert sniff(data, complete=True).ambiguous
    proc = cli(str(path))
    assert proc.returncode == 1 and "ambiguous" in proc.stderr and "--encoding" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_forced_encoding_counts_and_notes(tmp_path):
    path = tmp_path / "short.txt"
    path.write_bytes("日本語".encode("shift_jis"))
    proc = cli(str(path), "--encoding", "shift_jis", "-f", "json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["files"][0]["tokens"] == get_tokenizer("o200k_base").count("日本語")
    assert "as asked" in proc.stderr


def test_binary_is_still_binary():
    import os

    assert sniff(b"\x89PNG\r\n\x1a\n" + os.urandom(2000), complete=True).encoding is None
    assert sniff(bytes(range(256)) * 8, complete=True).encoding is None


@pytest.mark.parametrize("bom, encoding", [(codecs.BOM_UTF8, "utf-8-sig"), (b"", "utf-8")])
def test_a_large_utf8_file_cut_in_ranges_reports_its_encoding_like_a_small_one(tmp_path, monkeypatch, bom, encoding):
    from tokcost.counting import ranges

    monkeypatch.setattr(ranges, "RANGE_BYTES", 4096)
    small = write(tmp_path, "small", "utf-8", MIXED, bom)
    large = write(tmp_path, "large", "utf-8", MIXED * 400, bom)
    assert large.stat().st_size > 4 * ranges.RANGE_BYTES
    report = count([str(small), str(large)], tokenizers=["o200k_base"], cache=False)
    assert [f.encoding for f in report.files] == [encoding, encoding]
    assert report.files[1].tokens == get_tokenizer("o200k_base").count(MIXED * 400)
    assert report.files[1].bytes == len((MIXED * 400).encode())
