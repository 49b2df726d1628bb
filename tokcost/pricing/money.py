"""Exact money arithmetic on Decimal amounts that may be a low–high range, and the one money formatter.

A range appears where the source gives one (iFlytek's "21-30") or where a token
count is an estimate band. Nothing here rounds; `format` and `to_json` are the
only places that quantize, and only when asked to.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

from tokcost.errors import TokcostError

CURRENCIES = frozenset({"CNY", "USD"})
EN_DASH = "\u2013"

Number = Decimal | int
MONEY_PLACES = 10  # JSON and CSV money: rounded half-even to this many decimal places (exact underneath)
MONEY_PRECISION = f"decimal strings rounded half-even to {MONEY_PLACES} places"


def _dec(value: object) -> Decimal:
    if isinstance(value, (bool, float)):
        raise TypeError(f"money needs Decimal or int, not {type(value).__name__}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    raise TypeError(f"money needs Decimal or int, not {type(value).__name__}")


def parse_decimal(text: str) -> Decimal:
    """Parse an exact decimal string ("0.14"); reject NaN, infinities, floats."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError) as exc:
        raise ValueError(f"{text!r} is not a decimal number") from exc
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite decimal number")
    return value


def plain(value: Decimal, places: int | None = None, min_places: int = 0) -> str:
    """Fixed-point text, never scientific notation; quantized only if places is given."""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        return f"{value:f}"
    text = f"{value.normalize():f}" if value else "0"
    decimals = len(text.partition(".")[2])
    if decimals < min_places:
        text = f"{value.quantize(Decimal(1).scaleb(-min_places)):f}"
    return text


def money_text(value: Decimal) -> str:
    """Money for JSON and CSV: half-even to MONEY_PLACES places, trailing zeros dropped (at least 2 kept)."""
    rounded = value.quantize(Decimal(1).scaleb(-MONEY_PLACES), rounding=ROUND_HALF_EVEN)
    return plain(rounded, min_places=2)


def show(value: Decimal, places: int | None = None) -> str:
    """A money figure for people: exact up to 8 decimal places (rounded beyond), at least 2; with
    `places`, rounded to that many and thousands grouped (report tables)."""
    if places is not None:
        return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,f}"
    if value.as_tuple().exponent < -8:  # type: ignore[operator]
        value = value.quantize(Decimal("1e-8"), rounding=ROUND_HALF_UP)
    return plain(value, min_places=2)


def show_money(money: Money, places: int | None = None, currency: bool = True, *, rounded: bool = False,
               midpoint: bool = False) -> str:
    """Money for people, the one formatter of costs: "0.50 USD", a range "21.00–30.00 CNY".
    `rounded`: for tables, `round_sig` (never "0.00" for a non-zero amount); `midpoint`: a range as its centre."""
    def fig(value: Decimal) -> str:
        return round_sig(value) if rounded else show(value, places)

    if midpoint or money.is_exact:
        text = fig((money.low + money.high) / 2)
    else:
        text = f"{fig(money.low)}{EN_DASH}{fig(money.high)}"
    return f"{text} {money.currency}" if currency else text


@dataclass(frozen=True)
class Amount:
    """A unitless exact value or range (a price per unit, a token count)."""

    low: Decimal
    high: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "low", _dec(self.low))
        object.__setattr__(self, "high", _dec(self.high))
        if self.low > self.high:
            raise ValueError(f"range low {self.low} is above high {self.high}")

    @classmethod
    def of(cls, value: Amount | Number) -> Amount:
        if isinstance(value, Amount):
            return value
        return cls(_dec(value), _dec(value))

    @classmethod
    def parse(cls, text: str) -> Amount:
        """"0.14" -> exact; "21-30" -> range. Negative prices are rejected."""
        low_text, sep, high_text = text.strip().partition("-")
        low = parse_decimal(low_text)
        high = parse_decimal(high_text) if sep else low
        if low < 0:
            raise ValueError(f"{text!r} is negative")
        return cls(low, high)

    @property
    def is_exact(self) -> bool:
        return self.low == self.high

    def __add__(self, other: Amount | Number) -> Amount:
        o = Amount.of(other)
        return Amount(self.low + o.low, self.high + o.high)

    __radd__ = __add__

    def __mul__(self, other: Amount | Number) -> Amount:
        o = Amount.of(other)
        products = [a * b for a in (self.low, self.high) for b in (o.low, o.high)]
        return Amount(min(products), max(products))

    __rmul__ = __mul__

    def scale(self, factor: Decimal) -> Amount:
        return self * factor

    def __str__(self) -> str:
        return self.format()

    def format(self, places: int | None = None) -> str:
        if self.is_exact:
            return plain(self.low, places)
        return f"{plain(self.low, places)}{EN_DASH}{plain(self.high, places)}"


@dataclass(frozen=True)
class FxRate:
    """1 `base` = `rate` `quote`, as of `date`, from `origin` (where the figure comes from)."""

    rate: Decimal
    date: date
    origin: str
    base: str = "USD"
    quote: str = "CNY"

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", _dec(self.rate))
        if self.rate <= 0:
            raise ValueError("an exchange rate must be positive")

    def short(self) -> str:
        return f"1 {self.base} = {plain(self.rate)} {self.quote} (rate of {self.date.isoformat()})"

    def describe(self) -> str:
        return f"{self.short()}; origin: {self.origin}"


@dataclass(frozen=True)
class Money:
    low: Decimal
    high: Decimal
    currency: str

    def __post_init__(self) -> None:
        Amount(self.low, self.high)  # type and order checks
        object.__setattr__(self, "low", _dec(self.low))
        object.__setattr__(self, "high", _dec(self.high))
        if self.currency not in CURRENCIES:
            raise ValueError(f"unknown currency {self.currency!r}; use one of {sorted(CURRENCIES)}")

    @classmethod
    def of(cls, amount: Amount | Number, currency: str) -> Money:
        a = Amount.of(amount)
        return cls(a.low, a.high, currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), Decimal(0), currency)

    @property
    def amount(self) -> Amount:
        return Amount(self.low, self.high)

    @property
    def is_exact(self) -> bool:
        return self.low == self.high

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise TokcostError(f"cannot add {other.currency} to {self.currency} without an exchange rate")
        return Money.of(self.amount + other.amount, self.currency)

    def __mul__(self, other: Amount | Number) -> Money:
        return Money.of(self.amount * other, self.currency)

    __rmul__ = __mul__

    def convert(self, to: str, fx: FxRate | None) -> Money:
        """Convert with an explicit rate; same currency needs none."""
        if to == self.currency:
            return self
        if fx is None:
            raise TokcostError(f"converting {self.currency} to {to} needs an exchange rate")
        if (self.currency, to) == (fx.base, fx.quote):
            return Money.of(self.amount * fx.rate, to)
        if (self.currency, to) == (fx.quote, fx.base):
            # Division is the one inexact step: it uses Decimal's 28-digit context.
            return Money(self.low / fx.rate, self.high / fx.rate, to)
        raise TokcostError(f"rate {fx.base}->{fx.quote} cannot convert {self.currency} to {to}")

    def format(self, places: int | None = None) -> str:
        return f"{self.amount.format(places)} {self.currency}"

    def __str__(self) -> str:
        return self.format()

    def to_json(self, places: int | None = None) -> str | dict[str, str]:
        """Exact -> "3.00"; range -> {"low": .., "high": ..}. Rounded half-even to MONEY_PLACES
        places (or `places`), at least 2 shown; the arithmetic behind it stays exact."""
        def text(v: Decimal) -> str:
            return money_text(v) if places is None else plain(v, places, min_places=2)
        if self.is_exact:
            return text(self.low)
        return {"low": text(self.low), "high": text(self.high)}

    def csv_cells(self) -> tuple[str, str]:
        """(low, high) as the same decimal strings JSON gives."""
        return money_text(self.low), money_text(self.high)


def round_sig(value: Decimal, digits: int = 3) -> str:
    """Money for tables: 2 places from 1 up (with separators), else `digits` significant digits;
    never "0.00" for an amount that is not zero. Display only: sums use the exact Decimal."""
    if value == 0:
        return "0"
    if abs(value) >= 1:
        return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,f}"
    places = digits - 1 - value.copy_abs().adjusted()
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
