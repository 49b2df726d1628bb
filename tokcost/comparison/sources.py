"""Human-readable names for the source documents (tokcost/data/sources.toml), for reports."""
from __future__ import annotations

import re
import tomllib
from functools import cache

from tokcost.errors import DataError
from tokcost.paths import data_text

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_KEYS = {"title", "kind", "date"}


@cache
def sources() -> dict[str, dict[str, str]]:
    raw = tomllib.loads(data_text("sources.toml"))["source"]
    for name, entry in raw.items():
        if set(entry) != _KEYS or not all(isinstance(v, str) and v for v in entry.values()):
            raise DataError(f"sources.toml [source.{name!r}]: needs exactly {sorted(_KEYS)}, all text")
        if not _DATE.match(entry["date"]):
            raise DataError(f"sources.toml [source.{name!r}]: date {entry['date']!r} is not YYYY[-MM[-DD]]")
    return raw


def source_title(name: str) -> str:
    """`003_69930fb49161ad34.txt` -> `Broker report on Chinese LLMs, 2024-07-04`; unknown names as given."""
    entry = sources().get(name)
    return name if entry is None else f"{entry['title']}, {entry['date']}"


def humanize(text: str) -> str:
    """Every known source file name inside `text` replaced by its title and date."""
    for name in sources():
        if name in text:
            text = text.replace(name, source_title(name))
    return text


def catalog_hash() -> str:
    """sha256 over the shipped price files and the fx rates (names and bytes): which catalog priced a report."""
    from tokcost.digest import sha256
    from tokcost.pricing.catalog import FX_FILE, PRICES_DIR

    files = [*sorted(PRICES_DIR.glob("*.toml")), FX_FILE]
    return sha256(b"".join(path.name.encode() + b"\0" + path.read_bytes() + b"\0" for path in files))
