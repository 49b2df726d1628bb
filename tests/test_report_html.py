"""The HTML report: self-contained, escaped, and it renders (headless Chromium: SVG in the DOM, a non-blank page)."""
from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tokcost.comparison.analysis import compare
from tokcost.comparison.corpora import corpus_path
from tokcost.comparison.html import html_report

SLICE_CHARS = 30_000
EVIL = "<script>alert(1)</script>.txt"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, corpora: list[str]) -> tuple[str, Path]:
    """Slices of the parallel Debian Reference corpora, plus a file whose name is markup."""
    folder = tmp_path_factory.mktemp("html")
    paths = []
    for name in ("en-tech-debref", "zh-tech-debref"):
        text = corpus_path(name).read_text(encoding="utf-8")[:SLICE_CHARS]
        (folder / f"{name}-slice.txt").write_text(text, encoding="utf-8")
        paths.append(str(folder / f"{name}-slice.txt"))
    evil = folder / EVIL  # "/" in the name makes a folder "<script>alert(1)<" holding "script>.txt"
    evil.parent.mkdir()
    evil.write_text("Tokens & <b>markup</b> in a file called " + EVIL + "\n", encoding="utf-8")
    comp = compare([*paths, str(evil)], tokenizers=["o200k_base", "cl100k_base", "qwen", "glm-4"],
                   models=["gpt-4o", "deepseek-v2", "claude-3-haiku", "ernie-4.0"], cache=False)
    page = html_report(comp)
    out = folder / "report.html"
    out.write_text(page, encoding="utf-8")
    return page, out


def test_paths_and_text_are_escaped(report: tuple[str, Path]) -> None:
    page, _ = report
    assert page.lower().count("<script") == 1 and "<script>" in page  # only the inline sorter, no src
    assert "alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.txt" in page
    assert "<b>markup" not in page


def test_self_contained(report: tuple[str, Path]) -> None:
    page, _ = report
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(//|[a-z]+:)""", page, re.IGNORECASE)
    assert "@import" not in page and "url(" not in page and "<link" not in page and "<img" not in page
    for element in ("<svg", "<rect", "<circle", "<line", "<table"):
        assert element in page


def _png_pixels(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG: (width, height, bytes per pixel, unfiltered rows)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, *_ = header
    assert depth == 8 and colour in (2, 6), f"unexpected PNG format: depth {depth}, colour type {colour}"
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if not found:
        pytest.skip("headless Chromium is not installed (apt-get install -y chromium)")
    return found


def test_renders_in_headless_chromium(report: tuple[str, Path], tmp_path: Path) -> None:
    binary = _chromium()
    _, page = report
    flags = [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([binary, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120, check=False).stdout
    for element in ("<svg", "<circle", "<rect"):
        assert element in dom, f"{element} missing from Chromium's DOM"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.txt" in dom
    shot = tmp_path / "shot.png"
    subprocess.run([binary, *flags, f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri()],
                   capture_output=True, timeout=120, check=False)
    assert shot.is_file(), "Chromium wrote no screenshot"
    width, height, bpp, rows = _png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 2000)
    pixels = [row[i:i + 3] for row in rows[::4] for i in range(0, len(row), bpp * 4)]
    colours = set(pixels)
    ink = sum(1 for p in pixels if p != b"\xff\xff\xff") / len(pixels)
    assert len(colours) > 20, f"the screenshot looks blank: {len(colours)} colours"
    assert ink > 0.02, f"the screenshot is almost all white ({ink:.1%} non-white)"
    levels = [sum(p) / 3 for p in pixels]
    mean = sum(levels) / len(levels)
    assert sum((v - mean) ** 2 for v in levels) / len(levels) > 100  # pixel variance


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def test_palette_contrast_on_white() -> None:
    from tokcost.comparison.html import LANG_COLOUR, PALETTE

    for colour in (*PALETTE, *LANG_COLOUR.values()):
        assert (1.05) / (_luminance(colour) + 0.05) >= 3.0, colour


def test_leads_with_the_cost_card(report: tuple[str, Path]) -> None:
    page, _ = report
    assert page.index('<section id="card">') < page.index("<section", page.index('<section id="card">') + 1)
    assert page.find("<section") == page.index('<section id="card">')
    assert "Cheapest with an exact count" in page and "more tokens than" in page
    assert "per 10,000 Chinese characters" in page and "Chinese characters per 1 CNY" in page
    for reading in ("words/token (as written)", "chars/token", "tokens/char", "tokens/word"):
        assert reading in page
    assert "catalog sha256" in page and "command: <code>" in page
    assert '<nav aria-label="contents">' in page and 'href="#card"' in page


def test_no_horizontal_overflow_at_390_px(report: tuple[str, Path], tmp_path: Path) -> None:
    """The report in a 390 px iframe (headless Chromium windows are at least 500 px): nothing wider than
    the page outside a scrolling table box, the first section is the card, nothing fetched."""
    binary = _chromium()
    _, page = report
    (tmp_path / "r.html").write_bytes(page.read_bytes())
    (tmp_path / "w.html").write_text(
        '<!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="r.html" style="width:390px;height:900px;'
        'border:0"></iframe><script>document.getElementById("f").onload=function(){var d=this.contentDocument,'
        'cw=d.documentElement.clientWidth;document.body.setAttribute("data-probe",[d.documentElement.scrollWidth,cw,'
        'd.querySelector("section").id,this.contentWindow.performance.getEntriesByType("resource").length].join(" "))}'
        '</script></body></html>', encoding="utf-8")
    flags = [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--allow-file-access-from-files",
             "--virtual-time-budget=5000"]
    dom = subprocess.run([binary, *flags, "--dump-dom", (tmp_path / "w.html").as_uri()], capture_output=True,
                         text=True, timeout=120, check=False).stdout
    found = re.search(r'data-probe="(\d+) (\d+) (\w+) (\d+)"', dom)
    assert found, dom[-300:]
    scroll, client, first, fetched = found.groups()
    assert int(scroll) <= int(client) and first == "card" and fetched == "0"


def test_json_has_the_readings_and_the_card() -> None:
    from tokcost.comparison.analysis import READINGS_145

    text = "大模型迎来跳水降价潮，百万tokens只要1元。给我一个合理解释北京大学。" * 50
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "zh.txt"
        path.write_text(text, encoding="utf-8")
        comp = compare([str(path)], tokenizers=["cl100k_base", "qwen"], models=["gpt-4o", "qwen-turbo"], cache=False)
    data = comp.to_json()
    readings = data["readings_of_1_45"]["by_tokenizer"]
    assert {r["tokenizer"] for r in readings} == {"cl100k_base", "qwen"}
    for r in readings:
        assert set(r["mean_error_pct"]) == set(READINGS_145) and r["best"] in READINGS_145
        errors = r["mean_abs_error_pct"]
        assert errors[r["best"]] == min(errors.values())
    cl100k = next(c for c in comp.corpora).tokens["cl100k_base"]
    han = next(c for c in comp.corpora).han
    expected = round((han * 1.45 - cl100k) / cl100k * 100, 2)
    assert next(r for r in readings if r["tokenizer"] == "cl100k_base")["mean_error_pct"]["han×1.45"] == expected
    card = data["cost_card"]
    assert [row["model"] for row in card["rows"]] and card["findings"]
