"""Output for people (rich tables) and for machines (JSON, CSV). Commands pass rows of plain values.

Tables fit the width: a terminal's width, or $COLUMNS when output is piped with it set; otherwise
(a pipe or a file) lines are as long as the table needs and nothing wraps. Numbers never wrap.
Before a number column is squeezed, `optional` text columns are dropped (named in a footnote) and
long paths are shortened in the middle with "…".
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from collections.abc import Sequence
from decimal import Decimal
from enum import Enum
from typing import Any

ELLIPSIS = "\u2026"
MIN_TEXT = 8  # a text column is never squeezed below this many cells


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


_LONG_LIST = 200  # longer lists print one compact item per line (json's C encoder: 10x faster than indent)


def json_text(data: Any) -> str:
    """The one JSON serialisation of results (stdout and report files): UTF-8, Decimals as strings."""
    if isinstance(data, dict) and any(isinstance(v, list) and len(v) > _LONG_LIST for v in data.values()):
        return _long_json(data) + "\n"
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n"


def print_json(data: Any) -> None:
    sys.stdout.write(json_text(data))


def _long_json(data: dict) -> str:
    """The same JSON value, laid out with each item of a long list on its own line."""
    dump = json.JSONEncoder(ensure_ascii=False, default=_default).encode  # json.dumps makes one per call
    parts = []
    for key, value in data.items():
        if isinstance(value, list) and value:
            items = ",\n    ".join(map(dump, value))
            parts.append(f"  {dump(key)}: [\n    {items}\n  ]")
        else:
            parts.append(f"  {dump(key)}: {json.dumps(value, ensure_ascii=False, indent=2, default=_default)}"
                         .replace("\n", "\n  "))
    return "{\n" + ",\n".join(parts) + "\n}"


def print_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    sys.stdout.write(buffer.getvalue())


def _cell(value: Any) -> str:
    if value is None:
        return "\u2013"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def shorten_middle(text: str, width: int) -> str:
    """`a/very/long/path/file.txt` -> `a/ver…/file.txt` in `width` cells (the end is kept longer)."""
    from rich.cells import cell_len

    if cell_len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    first = text.find("/", 1) + 1  # a path keeps its first folder, then as much of its end as fits
    head = min(first if first > 0 else (width - 1) // 3, (width - 1) // 3)
    tail = width - 1 - head
    end = text[-tail:] if tail else ""
    while cell_len(end) > tail:
        end = end[1:]
    start = text[:head]
    while cell_len(start) > head:
        start = start[:-1]
    return f"{start}{ELLIPSIS}{end}"


def target_width() -> int | None:
    """The width to fit: the terminal's, else $COLUMNS, else None (no limit: a pipe or a file)."""
    if sys.stdout.isatty():
        import shutil

        return shutil.get_terminal_size().columns
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 20 else None


def _widths(header: str, cells: Sequence[str], kind: str) -> tuple[int, int, int]:
    """(natural, comfortable, minimum) width of a column: a number is always whole; a path may
    lose its middle; other text may wrap, but not inside a word of its header."""
    from rich.cells import cell_len

    widest = max([cell_len(c) for c in cells] + [0])
    word = max([cell_len(w) for w in re.split(r"[\s_-]+", header)] + [1])
    natural = max(widest, cell_len(header))
    if kind == "number":
        return natural, natural, max(widest, word)
    if kind == "path":
        return natural, min(natural, max(32, word)), min(natural, max(16, word))
    if kind == "key":
        return natural, natural, min(natural, max(24, word))
    return natural, min(natural, max(40, word)), min(natural, max(MIN_TEXT, word))


def fit_columns(columns: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[str],
                optional: Sequence[str], paths: set[str], width: int | None) -> tuple[list[int], dict[int, int]]:
    """Which columns to keep (indices) and the width each kept text column may take.

    Optional columns go first (in the order given) until the rest fits comfortably; any that fit
    again come back; text columns are then squeezed, never below their minimum; a table still too
    wide loses columns from the right. Numbers are never squeezed."""
    def kind(i: int) -> str:
        c = columns[i]
        return "number" if c in numeric else "path" if c in paths else "key" if i == 0 else "text"

    w = [_widths(c, [r[i] for r in rows], kind(i)) for i, c in enumerate(columns)]
    keep = list(range(len(columns)))
    if width is None:
        return keep, {}

    def total(cols: list[int], key: int) -> int:
        return sum(w[i][key] for i in cols) + 3 * len(cols) - 3

    for name in optional:
        if total(keep, 1) <= width:
            break
        if name in columns and columns.index(name) in keep and len(keep) > 1:
            keep.remove(columns.index(name))
    for i in [columns.index(n) for n in reversed(optional) if n in columns]:
        if i not in keep and total(sorted(keep + [i]), 1) <= width:
            keep = sorted(keep + [i])
    while total(keep, 2) > width and len(keep) > 1:
        keep.pop()
    limits: dict[int, int] = {}
    over = total(keep, 0) - width
    text = sorted((i for i in keep if kind(i) != "number"), key=lambda i: -w[i][0])
    numbers = sorted((i for i in keep if kind(i) == "number"), key=lambda i: w[i][2] - w[i][0])
    for i in numbers + text:  # a number column only loses header width (its head wraps), so it goes first
        cut = min(w[i][0] - w[i][2], over)
        if cut > 0:
            limits[i] = w[i][0] - cut
            over -= cut
    return keep, limits


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                numeric: Sequence[str] = (), optional: Sequence[str] = (), paths: Sequence[str] = ("path",),
                console: Any = None) -> list[str]:
    """Print a table that fits the width; returns the names of the columns it left out."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    cells = [[_cell(v) for v in row] for row in rows]
    width = console.width if console is not None else target_width()
    keep, limits = fit_columns(columns, cells, set(numeric), optional, set(paths), width)
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for i in keep:
        name = columns[i]
        if name in numeric and i in limits:  # as wide as its widest number; the head wraps at its words
            table.add_column(name, justify="right", width=limits[i], overflow="fold")
        elif name in numeric:
            table.add_column(name, justify="right", no_wrap=True,
                             min_width=_widths(name, [r[i] for r in cells], "number")[2])
        elif name in paths:
            table.add_column(name, no_wrap=True, overflow="ellipsis", max_width=limits.get(i))
        else:
            table.add_column(name, overflow="fold", max_width=limits.get(i))
    for row in cells:
        table.add_row(*(shorten_middle(row[i], limits[i]) if columns[i] in paths and i in limits else row[i]
                        for i in keep))
    if console is None:
        from rich.cells import cell_len

        natural = sum(max([cell_len(r[i]) for r in cells] + [cell_len(columns[i])]) for i in keep) + 3 * len(keep)
        console = Console(width=width or max(natural, cell_len(title or "") + 1, 40),
                          no_color=not sys.stdout.isatty(), highlight=False)
    console.print(table)
    dropped = [columns[i] for i in range(len(columns)) if i not in keep]
    if dropped:
        console.print(f"(not shown to fit {width} columns: {', '.join(dropped)}; "
                      f"see --format csv or json)", highlight=False)
    return dropped


def echo_wrapped(text: str, indent: str = "  ") -> None:
    """Prose to stdout, wrapped at spaces to the width in terminal cells (so numbers stay whole; CJK
    counts double); one line when piped."""
    width = target_width()
    if width is None:
        sys.stdout.write(text + "\n")
        return
    from rich.console import Console
    from rich.text import Text

    lines = Text(text).wrap(Console(width=width), width - len(indent))
    out = [str(line).rstrip() for line in lines]
    sys.stdout.write("\n".join(out[:1] + [indent + line for line in out[1:]]) + "\n")


def warn(message: str) -> None:
    """One line on stderr."""
    sys.stderr.write(f"tokcost: {message}\n")
