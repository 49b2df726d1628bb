"""Pricing options parsed once: model names -> catalog records; option values -> one frozen `PriceOptions`.

The Python API (`cost`, `check`, `compare`) and the CLI take the same values: a string as typed
("0.5", "2024-05-01", "usd", "7.1") or the typed value (Decimal, date, FxRate). This module is
the only place they are parsed and checked; a bad value is a UsageError naming the option.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokcost.errors import UsageError
from tokcost.pricing.money import CURRENCIES, FxRate, parse_decimal

if TYPE_CHECKING:
    from tokcost.pricing.catalog import Catalog, ModelRecord

PRICE_MODES = ("documents", "current")
MAX_PLACES = 12  # decimal places accepted in an option (a millionth of a cent is already far below billing)
MAX_TOKENS = 10**15  # per request, given on the command line
MAX_REQUESTS = 10**9
DecimalLike = Decimal | int | str
DateLike = date | str
InstantLike = datetime | str
FxLike = FxRate | Decimal | str


def model_names(models: Sequence[str] | str | None) -> list[str]:
    """Names as given: repeated and/or comma-separated."""
    return [n.strip() for m in ([models] if isinstance(models, str) else models or []) for n in m.split(",")
            if n.strip()]


def resolve_models(models: Sequence[str] | str, prices: str = "documents",
                   own: Catalog | None = None) -> list[ModelRecord]:
    """Model ids or aliases, in order, without repeats; `all` is every model; unknown: did-you-mean.
    With current prices, today's models (tokcost/data/current_models.toml) are known too; with your
    own price file (`own`, see `own_catalog`), its models come first and replace shipped ones of the same id."""
    from tokcost.pricing.catalog import load_catalog

    catalog = load_catalog()
    today = _today_records() if prices == "current" else {}
    names = model_names(models)
    found: list[ModelRecord] = []
    for name in names:
        key = name.lower()
        if key == "all":
            found.extend([*(own.models if own else ()), *catalog.models, *today.values()])
        elif own is not None and key in own:
            found.append(own.get(name))
        elif key in today and key not in catalog:
            found.append(today[key])
        else:
            found.append(_get(catalog, name, prices))
    return list({m.id: m for m in found}.values())


def own_catalog(prices: str) -> Catalog | None:
    """Your own price file(s) (`--prices FILE.toml` or a folder of them), through the catalog's validator."""
    from tokcost.pricing.catalog import load_catalog

    if prices in PRICE_MODES:
        return None
    _check_prices(prices)
    return load_catalog([Path(prices)], include_shipped=False)


def _check_prices(prices: str) -> None:
    if prices not in PRICE_MODES and not prices.endswith(".toml") and not Path(prices).is_dir():
        raise UsageError(f"--prices must be one of {', '.join(PRICE_MODES)} or a .toml price file, not {prices!r}")


def _today_records() -> dict[str, ModelRecord]:
    from tokcost.pricing.current import today_models

    return {k: v.record for k, v in today_models().items()}


def _get(catalog: Any, name: str, prices: str) -> ModelRecord:
    from tokcost.errors import UnknownName

    try:
        record: ModelRecord = catalog.get(name)
    except UnknownName:
        if prices != "current" and name.strip().lower() in _today_records():
            raise UsageError(f"{name} is not in the 2024 documents; price it with --prices current") from None
        raise
    return record


def short(text: str, width: int = 24) -> str:
    """A user's number echoed back in a message, cut if it is absurdly long."""
    return text if len(text) <= width else f"{text[:width]}… ({len(text):,} characters)"


def _places(number: Decimal) -> int:
    """Decimal places that matter (1.500 has 1), read from the digits: normalize() would over/underflow."""
    _, digits, exponent = number.as_tuple()
    significant = "".join(map(str, digits)).rstrip("0")
    if not significant:
        return 0
    return max(0, -(int(exponent) + len(digits) - len(significant)))


def bounded(number: Decimal, what: str, most: Decimal | None, shown: str) -> Decimal:
    """A finite number, at most `most` in size, with at most MAX_PLACES decimal places."""
    if not number.is_finite():
        raise UsageError(f"{what} {shown} is not a finite number")
    if most is not None and number.copy_abs() > most:  # copy_abs/compare: no context, no overflow
        raise UsageError(f"{what} {shown} is out of range: at most {most:,f}")
    if _places(number) > MAX_PLACES:
        raise UsageError(f"{what} {shown} has more than {MAX_PLACES} decimal places")
    return number


def parse_decimal_option(value: DecimalLike | None, what: str, most: Decimal | None = None) -> Decimal | None:
    """An exact decimal from a string, Decimal or int, range-checked (`bounded`); floats are refused."""
    if value is None:
        return None
    if isinstance(value, (float, bool)):
        raise UsageError(f"{what} must be an exact decimal (a string or Decimal), not {value!r}")
    try:
        number = value if isinstance(value, Decimal) else parse_decimal(str(value))
    except ValueError:
        raise UsageError(f"{what}: {short(str(value))} is not a decimal number") from None
    return bounded(number, what, most, shown=short(str(value)))


def parse_as_of(value: DateLike | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--as-of {value!r} is not a date; write YYYY-MM-DD") from None


def parse_currency(value: str | None) -> str | None:
    if value is None:
        return None
    if value.strip().upper() not in CURRENCIES:
        raise UsageError(f"unknown currency {value!r}; use one of {', '.join(sorted(CURRENCIES))}")
    return value.strip().upper()


def parse_fx(value: FxLike | None) -> FxRate:
    """The USD->CNY rate: given (dated today, "given on the command line") or the catalog's default."""
    from tokcost.pricing.catalog import default_fx

    if isinstance(value, FxRate):
        return value
    rate = parse_decimal_option(value, "USD->CNY rate", Decimal(10**6))
    if rate is None:
        return default_fx()
    if rate <= 0:
        raise UsageError("the USD->CNY rate must be positive")
    return FxRate(rate, date.today(), "given on the command line")


def whole_option(value: object, what: str, least: int, most: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise UsageError(f"{what} must be a whole number from {least} to {most:,}, not {short(repr(value))}")


@dataclass(frozen=True)
class PriceOptions:
    """How to price a job, already checked: build it with `PriceOptions.parse`."""

    output_tokens: int | None
    output_ratio: Decimal | None
    cache_hit: Decimal
    requests: int
    currency: str | None
    fx: FxRate
    as_of: date | None
    prices: str
    fx_given: bool = False  # a rate given by the caller beats every dated rate
    at: datetime | None = None  # with prices="current": the instant the prices are read at
    reasoning_ratio: Decimal | None = None  # reasoning models: hidden reasoning tokens per visible output token
    cache_write: Decimal = Decimal(0)  # share of each request's input tokens written to the prompt cache

    @classmethod
    def parse(cls, *, output_tokens: int | None = None, output_ratio: DecimalLike | None = None,
              cache_hit: DecimalLike = 0, requests: int = 1, currency: str | None = None,
              fx: FxLike | None = None, as_of: DateLike | None = None, prices: str = "documents",
              at: InstantLike | None = None, reasoning_ratio: DecimalLike | None = None,
              cache_write: DecimalLike = 0) -> PriceOptions:
        ratio = parse_decimal_option(output_ratio, "output ratio", Decimal(10**6))
        if output_tokens is not None and ratio is not None:
            raise UsageError("give --output-tokens or --output-ratio, not both")
        if output_tokens is not None:
            whole_option(output_tokens, "--output-tokens", 0, MAX_TOKENS)
        if ratio is not None and ratio < 0:
            raise UsageError("the output ratio cannot be negative")
        hit, write = _cache_shares(cache_hit, cache_write)
        whole_option(requests, "--requests", 1, MAX_REQUESTS)
        _check_prices(prices)
        reasoning = parse_decimal_option(reasoning_ratio, "reasoning ratio", Decimal(10**6))
        if reasoning is not None and reasoning < 0:
            raise UsageError("the reasoning ratio cannot be negative")
        return cls(output_tokens, ratio, hit, requests, parse_currency(currency), parse_fx(fx), parse_as_of(as_of),
                   prices, fx is not None, _instant(at) if prices == "current" else None, reasoning, write)


def _cache_shares(cache_hit: DecimalLike, cache_write: DecimalLike) -> tuple[Decimal, Decimal]:
    """The shares of each request's input tokens read from (hits) and written to the prompt cache."""
    hit = parse_decimal_option(cache_hit, "cache-hit ratio") or Decimal(0)
    if not 0 <= hit <= 1:
        raise UsageError(f"the cache-hit ratio must be between 0 and 1, not {hit}")
    write = parse_decimal_option(cache_write, "cache-write ratio") or Decimal(0)
    if not 0 <= write <= 1:
        raise UsageError(f"the cache-write ratio (--cache-write) must be between 0 and 1, not {write}")
    if hit + write > 1:
        raise UsageError(f"--cache-hit {hit} + --cache-write {write} = {hit + write}: cache hits and cache writes "
                         "are shares of the same input tokens and cannot add up to more than 1")
    return hit, write


def _instant(value: InstantLike | None) -> datetime:
    from tokcost.pricing.current import parse_at

    return parse_at(value)
