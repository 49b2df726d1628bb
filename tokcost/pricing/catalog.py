"""The price catalog: one TOML file per vendor under tokcost/data/prices/, strictly validated.

Every price entry is one printed figure from a source document, with its document, table,
effective date (as printed and as an interval) and status. Which figure bills each price field on a
day is `tokcost.pricing.selection` (by provenance; dates read by meaning); `ModelRecord.price_on`
uses it. Rows marked CONFLICT are kept (`conflict = true`) but never chosen.
"""
from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from tokcost.errors import DataError, UnknownName
from tokcost.pricing.money import CURRENCIES, Amount, FxRate, parse_decimal

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
PRICES_DIR = DATA_DIR / "prices"
FX_FILE = DATA_DIR / "fx.toml"

TOKENIZERS_FILE = DATA_DIR / "tokenizers.toml"  # the tokenizer registry's names (not owned here)
UNITS = frozenset({1000, 10000, 1000000})
STATUSES = frozenset({"before", "after", "initial", "list", "older", "newer"})
CONVERSIONS = frozenset({"from USD", "from CNY"})
COUNT_KINDS = frozenset({"exact", "estimate"})

# key -> (accepted types, required)
FILE_KEYS: dict[str, tuple[type, bool]] = {
    "vendor": (str, True), "name": (str, True), "currency": (str, True),
    "models": (list, True), "prices": (list, False),
}
MODEL_KEYS: dict[str, tuple[type, bool]] = {
    "id": (str, True), "aliases": (list, False), "display_name": (str, True),
    "count_kind": (str, True), "tokenizer": (str, False), "proxy_tokenizer": (str, False),
    "context_window": (int, False), "context_source": (str, False), "families": (list, False),
    "genai_prices": (str, False), "litellm": (str, False), "comment": (str, False),
}
PRICE_KEYS: dict[str, tuple[type, bool]] = {
    "model": (str, True), "doc_model": (str, True), "source": (str, True), "table": (str, True),
    "currency": (str, True), "per_tokens": (int, True), "input": (str, False),
    "output": (str, False), "cache_hit_input": (str, False), "cache_write_input": (str, False),
    "training": (str, False), "tier": (str, False),
    "prompt_min": (int, False), "prompt_max": (int, False), "effective": (str, True),
    "status": (str, True), "note": (str, False), "converted": (str, False), "conversion_rate": (str, False),
    "corrected_input": (str, False), "corrected_output": (str, False), "correction_source": (str, False),
    "promotion": (str, False), "promotion_from": (str, False), "promotion_until": (str, False),
    "garbled": (bool, False), "conflict": (bool, False), "resolution": (str, False),
    "comment": (str, False),
}
FX_KEYS: dict[str, tuple[type, bool]] = {
    "id": (str, True), "base": (str, True), "quote": (str, True), "rate": (str, True),
    "date": (str, True), "origin": (str, True), "sources": (list, False),
}
_EFFECTIVE = re.compile(r"(before )?(\d{4})-(\d{2})(?:-(\d{2}))?")
_ID = re.compile(r"[a-z0-9][a-z0-9.:_/-]*")


@lru_cache(maxsize=1)
def known_tokenizers() -> frozenset[str]:
    """Tokenizer names the registry defines, read from its data file (no tokenizer is loaded)."""
    return frozenset(_read_toml(TOKENIZERS_FILE).get("tokenizer", {}))


@dataclass(frozen=True)
class PriceEntry:
    model: str
    vendor_name: str
    doc_model: str
    source: str
    table: str
    currency: str
    per_tokens: int
    input: Amount | None
    output: Amount | None
    effective: str
    valid_from: date | None
    valid_until: date | None  # exclusive
    status: str
    cache_hit_input: Amount | None = None
    cache_write_input: Amount | None = None  # input tokens written to a prompt cache (Anthropic's 5-minute write)
    training: Amount | None = None  # fine-tuning: per training token (tokens x epochs)
    tier: str = ""
    prompt_min: int | None = None  # tier applies when prompt tokens > prompt_min
    prompt_max: int | None = None  # ... and <= prompt_max
    note: str = ""
    converted: str = ""  # "from USD" / "from CNY": the document author's conversion of the vendor's figure
    conversion_rate: str = ""  # id of the fx.toml rate that conversion used
    corrected_input: Amount | None = None  # a correction of a printed figure, with its own source
    corrected_output: Amount | None = None
    correction_source: str = ""
    promotion: str = ""  # a dated promotion (free trial) and its uncertainty, in words
    promotion_from: date | None = None
    promotion_until: date | None = None  # exclusive
    printed_input: str = ""  # the figures exactly as the document prints them ("10.00", "21-30")
    printed_output: str = ""
    garbled: bool = False
    conflict: bool = False
    resolution: str = ""
    comment: str = ""
    file: str = ""
    order: int = 0

    def in_effect(self, day: date) -> bool:
        starts = self.valid_from is None or self.valid_from <= day
        return starts and (self.valid_until is None or day < self.valid_until)

    def tier_matches(self, prompt_tokens: int | None) -> bool:
        """Unknown prompt size matches only the base tier (no lower bound)."""
        if prompt_tokens is None:
            return self.prompt_min is None
        above = self.prompt_min is None or prompt_tokens > self.prompt_min
        return above and (self.prompt_max is None or prompt_tokens <= self.prompt_max)

    def price_per(self, kind: str, tokens: int = 1_000_000) -> Amount | None:
        """A price ("input", "output", "cache_hit_input", "cache_write_input", "training") restated per
        `tokens` tokens (exact: units are powers of ten)."""
        price: Amount | None = getattr(self, kind)
        return None if price is None else price * (Decimal(tokens) / Decimal(self.per_tokens))

    @property
    def complete(self) -> bool:
        return self.input is not None and self.output is not None

    @property
    def dated(self) -> bool:
        return self.valid_from is not None or self.valid_until is not None

    @property
    def last_known_day(self) -> date:
        if self.valid_from is not None:
            return self.valid_from
        assert self.valid_until is not None
        return self.valid_until - timedelta(days=1)

    def describe(self) -> str:
        """One line naming the figures and where they come from."""
        def fig(a: Amount | None) -> str:
            return "none" if a is None else a.format()
        return (f"{self.doc_model}: input {fig(self.input)} / output {fig(self.output)} {self.currency} "
                f"per {self.per_tokens:,} tokens ({self.source}, table {self.table}, {self.effective}, {self.status})")


@dataclass(frozen=True)
class ModelRecord:
    id: str
    vendor: str
    vendor_name: str
    display_name: str
    tokenizer: str  # the counting tokenizer: the vendor's (exact) or the proxy (estimate)
    count_kind: str
    currency: str  # the currency the vendor quotes in; its entries are preferred
    history: tuple[PriceEntry, ...]
    aliases: tuple[str, ...] = ()
    proxy_tokenizer: str | None = None
    context_window: int | None = None
    context_source: str = ""
    families: tuple[str, ...] = ()
    genai_prices: str | None = None
    litellm: str | None = None  # key in LiteLLM's model database (tokcost.pricing.litellm_db)
    comment: str = ""
    file: str = ""

    @property
    def newest_date(self) -> date:
        days = [e.last_known_day for e in self.history if not e.conflict and e.dated]
        return max(days) if days else date.today()

    def price_on(self, as_of: date | None = None, prompt_tokens: int | None = None) -> PriceEntry:
        """The entry that bills input (else output) on `as_of` (default: the newest date known) for this
        prompt size, in the vendor's currency, chosen as `selection` chooses each price field."""
        from tokcost.pricing.selection import no_price, select

        day = as_of or self.newest_date
        for kind in ("input", "output"):
            found = select(self, kind, day=day, prompt_tokens=prompt_tokens, target=self.currency, fx=None,
                           convert=False)
            if found is not None:
                return found.entry
        raise no_price(self, day)

    def conflicts_on(self, as_of: date | None = None) -> tuple[PriceEntry, ...]:
        day = as_of or self.newest_date
        return tuple(e for e in self.history if e.conflict and e.in_effect(day))


@dataclass(frozen=True)
class Vendor:
    key: str
    name: str
    currency: str
    file: str


@dataclass(frozen=True)
class Catalog:
    models: tuple[ModelRecord, ...]
    vendors: tuple[Vendor, ...]
    _index: Mapping[str, ModelRecord] = field(default_factory=dict, repr=False, compare=False)

    def get(self, name: str) -> ModelRecord:
        record = self._index.get(name.strip().lower())
        if record is None:
            raise UnknownName("model", name, self._index.keys())
        return record

    def __contains__(self, name: str) -> bool:
        return name.strip().lower() in self._index

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.models)


# ---------------------------------------------------------------- loading

def load_catalog(paths: list[Path] | None = None, include_shipped: bool = True) -> Catalog:
    """The shipped catalog (cached), plus any extra TOML files or directories given."""
    if not paths:
        return _shipped() if include_shipped else _build([])
    files = list(_shipped_files()) if include_shipped else []
    for p in paths:
        files.extend(_expand(Path(p)))
    return _build(files)


@lru_cache(maxsize=1)
def _shipped() -> Catalog:
    return _build(list(_shipped_files()))


def _shipped_files() -> tuple[Path, ...]:
    return tuple(sorted(PRICES_DIR.glob("*.toml")))


def _expand(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(path.glob("*.toml"))
    if not path.is_file():
        raise DataError(f"{path}: no such price file or directory")
    return [path]


def _build(files: list[Path]) -> Catalog:
    models: list[ModelRecord] = []
    vendors: list[Vendor] = []
    index: dict[str, ModelRecord] = {}
    for path in files:
        vendor, records = _load_file(path)
        vendors.append(vendor)
        for rec in records:
            for key in (rec.id, *rec.aliases):
                if key in index:
                    raise DataError(f"{path.name}: model {rec.id!r}: name {key!r} is already used by model "
                                    f"{index[key].id!r} in {index[key].file}; rename one or drop the alias")
                index[key] = rec
            models.append(rec)
    return Catalog(tuple(models), tuple(vendors), index)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path.name}: not valid TOML ({exc}); fix the syntax at that line") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from exc


def _load_file(path: Path) -> tuple[Vendor, list[ModelRecord]]:
    doc = _read_toml(path)
    ctx = _Ctx(path.name, "file")
    ctx.check_keys(doc, FILE_KEYS)
    vendor = Vendor(doc["vendor"], doc["name"], ctx.currency(doc, "currency"), path.name)
    if vendor.key != path.stem:
        ctx.fail("vendor", f"is {vendor.key!r} but the file is {path.name}", f"name the file {vendor.key}.toml")
    raw_models = _tables(ctx, doc, "models")
    seen: set[str] = set()
    for i, raw in enumerate(raw_models):
        mid = _check_model(_Ctx(path.name, f"model #{i + 1} ({raw.get('id', '?')!r})"), raw)
        if mid in seen:
            ctx.fail("models", f"model id {mid!r} appears twice", "keep one [[models]] table per id")
        seen.add(mid)
    entries: dict[str, list[PriceEntry]] = {m["id"]: [] for m in raw_models}
    for i, raw in enumerate(_tables(ctx, doc, "prices")):
        where = f"price #{i + 1} (model {raw.get('model', '?')!r}, table {raw.get('table', '?')!r})"
        entry = _price_entry(_Ctx(path.name, where), raw, vendor, i, entries)
        entries[entry.model].append(entry)
    return vendor, [_model_record(m, vendor, tuple(entries[m["id"]]), path.name) for m in raw_models]


def _tables(ctx: _Ctx, doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = doc.get(key, [])
    if not all(isinstance(x, dict) for x in items):
        ctx.fail(key, "must be an array of tables", f"write each as [[{key}]]")
    return items


def _check_model(ctx: _Ctx, raw: dict[str, Any]) -> str:
    ctx.check_keys(raw, MODEL_KEYS)
    for key in ("id", *raw.get("aliases", [])):
        name = raw["id"] if key == "id" else key
        if not isinstance(name, str) or not _ID.fullmatch(name):
            ctx.fail("id" if key == "id" else "aliases", f"{name!r} is not a lowercase API id",
                     "use lowercase letters, digits and . - _ : / only")
    ctx.str_list(raw, "families")
    kind = ctx.choice(raw, "count_kind", COUNT_KINDS)
    if kind == "exact":
        ctx.require(raw, "tokenizer", "an exact model names its vendor's tokenizer")
        ctx.forbid(raw, "proxy_tokenizer", "an exact model needs no proxy; drop it")
    else:
        ctx.require(raw, "proxy_tokenizer", "an estimate names the tokenizer whose count is the central estimate")
        ctx.forbid(raw, "tokenizer", "an estimate has no vendor tokenizer offline; use proxy_tokenizer")
    for key in ("tokenizer", "proxy_tokenizer"):
        if key in raw:
            ctx.choice(raw, key, known_tokenizers())
    if "context_window" in raw:
        ctx.positive(raw, "context_window")
        ctx.require(raw, "context_source", "say where the context window figure comes from")
    if "genai_prices" in raw and ":" not in raw["genai_prices"]:
        ctx.fail("genai_prices", f"{raw['genai_prices']!r} has no provider",
                 'write "provider:model", e.g. "openai:gpt-4o"')
    return raw["id"]


def _model_record(raw: dict[str, Any], vendor: Vendor, history: tuple[PriceEntry, ...], file: str) -> ModelRecord:
    if not history:
        raise DataError(f"{file}: model {raw['id']!r}: has no [[prices]] entry; add one with model = {raw['id']!r}")
    return ModelRecord(
        id=raw["id"], vendor=vendor.key, vendor_name=vendor.name, display_name=raw["display_name"],
        tokenizer=raw.get("tokenizer") or raw["proxy_tokenizer"], count_kind=raw["count_kind"],
        currency=vendor.currency, history=history, aliases=tuple(raw.get("aliases", ())),
        proxy_tokenizer=raw.get("proxy_tokenizer"), context_window=raw.get("context_window"),
        context_source=raw.get("context_source", ""), families=tuple(raw.get("families", ())),
        genai_prices=raw.get("genai_prices"), litellm=raw.get("litellm"), comment=raw.get("comment", ""),
        file=file,
    )


def _price_entry(ctx: _Ctx, raw: dict[str, Any], vendor: Vendor, order: int,
                 models: dict[str, list[PriceEntry]]) -> PriceEntry:
    ctx.check_keys(raw, PRICE_KEYS)
    ctx.choice(raw, "model", models.keys())
    currency = ctx.currency(raw, "currency")
    ctx.choice(raw, "per_tokens", UNITS)
    prices = {k: ctx.amount(raw, k) for k in ("input", "output", "cache_hit_input", "cache_write_input",
                                               "training", "corrected_input", "corrected_output")}
    if prices["input"] is None and prices["output"] is None:
        ctx.fail("input", "neither input nor output is given", "give at least one price")
    status = ctx.choice(raw, "status", STATUSES)
    valid_from, valid_until = ctx.effective(raw, status)
    _check_tier(ctx, raw)
    if raw.get("conflict"):
        ctx.require(raw, "resolution", "a conflict entry states the rule that chose the other figure")
    _check_provenance(ctx, raw)
    return PriceEntry(
        model=raw["model"], vendor_name=vendor.name, doc_model=raw["doc_model"], source=raw["source"],
        table=raw["table"], currency=currency, per_tokens=raw["per_tokens"], input=prices["input"],
        output=prices["output"], cache_hit_input=prices["cache_hit_input"],
        cache_write_input=prices["cache_write_input"], training=prices["training"],
        effective=raw["effective"],
        valid_from=valid_from, valid_until=valid_until, status=status, tier=raw.get("tier", ""),
        prompt_min=raw.get("prompt_min"), prompt_max=raw.get("prompt_max"), note=raw.get("note", ""),
        converted=raw.get("converted", ""), conversion_rate=raw.get("conversion_rate", ""),
        corrected_input=prices["corrected_input"], corrected_output=prices["corrected_output"],
        correction_source=raw.get("correction_source", ""), promotion=raw.get("promotion", ""),
        promotion_from=ctx.day(raw, "promotion_from"), promotion_until=ctx.day(raw, "promotion_until"),
        printed_input=raw.get("input", ""), printed_output=raw.get("output", ""),
        garbled=raw.get("garbled", False),
        conflict=raw.get("conflict", False), resolution=raw.get("resolution", ""),
        comment=raw.get("comment", ""), file=ctx.file, order=order,
    )


def _check_provenance(ctx: _Ctx, raw: dict[str, Any]) -> None:
    """A conversion names its direction and rate; a correction cites its own source."""
    if "converted" in raw:
        ctx.choice(raw, "converted", CONVERSIONS)
        ctx.require(raw, "conversion_rate", "name the fx.toml rate the document's conversion used")
        if raw["converted"] != f"from {_other(raw['currency'])}":
            ctx.fail("converted", f"{raw['converted']!r} does not fit currency {raw['currency']!r}",
                     f'write "from {_other(raw["currency"])}"')
    elif "conversion_rate" in raw:
        ctx.fail("conversion_rate", "is set on a figure that is not a conversion", 'add converted = "from ..."')
    if "conversion_rate" in raw:
        ctx.choice(raw, "conversion_rate", fx_rates())
    if ("promotion_from" in raw) != ("promotion_until" in raw) or ("promotion_from" in raw and "promotion" not in raw):
        ctx.fail("promotion", "needs promotion_from, promotion_until and its text together",
                 "give the days it runs (until is exclusive) and say what is uncertain")
    corrected = [k for k in ("corrected_input", "corrected_output") if k in raw]
    if corrected:
        ctx.require(raw, "correction_source", "a correction of a printed figure cites its own source")
    elif "correction_source" in raw:
        ctx.fail("correction_source", "is set without a correction", "add corrected_input or corrected_output")


def _other(currency: str) -> str:
    return "CNY" if currency == "USD" else "USD"


def _check_tier(ctx: _Ctx, raw: dict[str, Any]) -> None:
    bounds = [k for k in ("prompt_min", "prompt_max") if k in raw]
    for k in bounds:
        ctx.positive(raw, k)
    if raw.get("tier") and not bounds:
        ctx.fail("tier", f"{raw['tier']!r} has no bound", "add prompt_min (prompt > N) and/or prompt_max (prompt <= N)")
    if bounds and not raw.get("tier"):
        ctx.fail(bounds[0], "is set without a tier", 'add tier = "<the printed tier text>"')


def parse_effective(text: str, status: str) -> tuple[date | None, date | None]:
    """"2024-05" / "2024-05-21" / "before 2024-05-21" -> (valid_from, valid_until); month-only
    dates start on the 1st. A `before` price ends on its date; any other starts on it."""
    if not text.strip():
        if status not in ("older", "newer"):
            raise ValueError(f"an empty date needs status 'older' or 'newer' (undated), not {status!r}")
        return (None, None)
    m = _EFFECTIVE.fullmatch(text.strip())
    if not m:
        raise ValueError("expected YYYY-MM, YYYY-MM-DD or 'before YYYY-MM-DD'")
    day = date(int(m[2]), int(m[3]), int(m[4] or 1))
    if m[1] and status != "before":
        raise ValueError(f"says 'before' but status is {status!r}")
    return (None, day) if status == "before" else (day, None)


class _Ctx:
    """Where we are in a file, so every error names file, entry, key and a fix."""

    def __init__(self, file: str, where: str) -> None:
        self.file, self.where = file, where

    def fail(self, key: str, problem: str, fix: str) -> None:
        raise DataError(f"{self.file}: {self.where}: key {key!r} {problem}; {fix}")

    def check_keys(self, raw: dict[str, Any], spec: dict[str, tuple[type, bool]]) -> None:
        for key in raw:
            if key not in spec:
                close = difflib.get_close_matches(key, spec, n=1, cutoff=0.6)
                fix = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(spec)}"
                self.fail(key, "is not a known key", fix)
        for key, (typ, required) in spec.items():
            if required and key not in raw:
                self.fail(key, "is missing", f"add {key} = ... ({typ.__name__})")
            if key in raw and not _is_type(raw[key], typ):
                fix = ('write exact decimals as strings, e.g. "0.14" (a TOML float is inexact)'
                       if isinstance(raw[key], float) else f"write a {_tname(typ)}")
                self.fail(key, f"must be a {_tname(typ)}, not {type(raw[key]).__name__}", fix)

    def require(self, raw: dict[str, Any], key: str, why: str) -> None:
        if key not in raw:
            self.fail(key, "is missing", why)

    def forbid(self, raw: dict[str, Any], key: str, why: str) -> None:
        if key in raw:
            self.fail(key, "is not allowed here", why)

    def choice(self, raw: dict[str, Any], key: str, allowed: Iterable[Any]) -> Any:
        allowed = list(allowed)
        value = raw[key]
        if value not in allowed:
            names = [str(a) for a in allowed]
            close = difflib.get_close_matches(str(value), names, n=1, cutoff=0.5)
            fix = f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(sorted(names))}"
            self.fail(key, f"has unknown value {value!r}", fix)
        return value

    def currency(self, raw: dict[str, Any], key: str) -> str:
        return self.choice(raw, key, sorted(CURRENCIES))

    def str_list(self, raw: dict[str, Any], key: str) -> None:
        if not all(isinstance(x, str) for x in raw.get(key, [])):
            self.fail(key, "must be a list of strings", f'write {key} = ["..."]')

    def positive(self, raw: dict[str, Any], key: str) -> None:
        if raw[key] <= 0:
            self.fail(key, f"is {raw[key]}", "use a positive whole number of tokens")

    def amount(self, raw: dict[str, Any], key: str) -> Amount | None:
        if key not in raw:
            return None
        try:
            return Amount.parse(raw[key])
        except ValueError as exc:
            self.fail(key, f"is not a price ({exc})", 'write an exact decimal string like "0.14" or a range "21-30"')
        return None

    def day(self, raw: dict[str, Any], key: str) -> date | None:
        if key not in raw:
            return None
        try:
            return date.fromisoformat(raw[key])
        except ValueError:
            self.fail(key, f"{raw[key]!r} is not a date", 'write "2024-05-21"')
        raise AssertionError

    def effective(self, raw: dict[str, Any], status: str) -> tuple[date | None, date | None]:
        try:
            return parse_effective(raw["effective"], status)
        except ValueError as exc:
            self.fail("effective", f"{raw['effective']!r} is not a date ({exc})",
                      'write "2024-05", "2024-05-21" or "before 2024-05-21" (with status = "before")')
        raise AssertionError


def _is_type(value: Any, typ: type) -> bool:
    if typ is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, typ)


def _tname(typ: type) -> str:
    names = {"str": "string", "int": "whole number", "bool": "true/false", "list": "list"}
    return names.get(typ.__name__, typ.__name__)


# ---------------------------------------------------------------- FX

def load_fx(path: Path = FX_FILE) -> tuple[dict[str, FxRate], str]:
    """All rates by id, and the id of the default."""
    doc = _read_toml(path)
    ctx = _Ctx(path.name, "file")
    ctx.check_keys(doc, {"default": (str, True), "rates": (list, True)})
    rates: dict[str, FxRate] = {}
    for i, raw in enumerate(_tables(ctx, doc, "rates")):
        rctx = _Ctx(path.name, f"rate #{i + 1} ({raw.get('id', '?')!r})")
        rctx.check_keys(raw, FX_KEYS)
        rates[raw["id"]] = _fx_rate(rctx, raw)
    ctx.choice(doc, "default", rates.keys())
    return rates, doc["default"]


def _fx_rate(ctx: _Ctx, raw: dict[str, Any]) -> FxRate:
    try:
        rate = parse_decimal(raw["rate"])
        day = date.fromisoformat(raw["date"])
    except ValueError as exc:
        ctx.fail("rate/date", f"is malformed ({exc})", 'write rate = "7.27", date = "2024-06-28"')
        raise AssertionError from exc
    return FxRate(rate, day, raw["origin"], ctx.currency(raw, "base"), ctx.currency(raw, "quote"))


@lru_cache(maxsize=1)
def fx_rates() -> dict[str, FxRate]:
    """The shipped rates by id (cached)."""
    return load_fx()[0]


@lru_cache(maxsize=1)
def default_fx() -> FxRate:
    rates, default = load_fx()
    return rates[default]


def unit_label(per_tokens: int) -> str:
    return {1000: "1K", 10000: "10K", 1000000: "1M"}.get(per_tokens, str(per_tokens))
