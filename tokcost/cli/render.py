"""Output for people (rich tables) and for machines (JSON, CSV). Commands pass rows of plain values."""
from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from enum import Enum
from typing import Any


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
    dump = lambda value: json.dumps(value, ensure_ascii=False, default=_default)  # noqa: E731
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
        return "–"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                numeric: Sequence[str] = ()) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="right" if column in numeric else "left", overflow="fold")
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    console = Console()
    if not console.is_terminal:
        console = Console(width=max(len(columns) * 14, 100))  # a pipe or file: do not fold at 80
    console.print(table)


def warn(message: str) -> None:
    """One line on stderr."""
    sys.stderr.write(f"tokcost: {message}\n")
