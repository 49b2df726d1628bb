"""`tokcost.check`: a pre-flight gate: does a job fit a budget and the model's context window?"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tokcost.errors import InputProblem, UsageError
from tokcost.pricing.cost import CostRecord, cost
from tokcost.pricing.money import CURRENCIES, Money, parse_decimal, plain, show, show_money
from tokcost.pricing.options import DateLike, DecimalLike, FxLike, InstantLike, bounded, parse_currency, short


@dataclass
class CheckResult:
    ok: bool
    failures: list[str]
    record: CostRecord | None
    budget: Money | None = None
    errors: list[InputProblem] = field(default_factory=list)  # input problems: nothing was checked
    summary: str = ""
    skipped: list[InputProblem] = field(default_factory=list)  # binary/empty files found in a folder walk
    notes: list[str] = field(default_factory=list)  # said even when a failure is reported



MAX_BUDGET = Decimal(10**12)  # a trillion in either currency: larger is a typo, and would not print


def parse_budget(budget: Money | Decimal | int | str) -> tuple[Decimal, str | None]:
    """"10", "10USD", "10 CNY", Decimal("10") or Money -> (amount, currency or None)."""
    if isinstance(budget, Money):
        return budget.high, budget.currency
    if isinstance(budget, (Decimal, int)) and not isinstance(budget, bool):
        return bounded(Decimal(budget), "budget", MAX_BUDGET, shown=short(str(budget))), None
    text = str(budget).strip().upper()
    cur = next((c for c in CURRENCIES if text.endswith(c)), None)
    number = text.removesuffix(cur).strip() if cur else text
    try:
        value = parse_decimal(number)
    except ValueError:
        raise UsageError(f"budget {short(str(budget))!r} is not an amount; write 10, 10USD or '10 CNY'") from None
    if value < 0:
        raise UsageError(f"budget {short(str(budget))!r} is negative")
    return bounded(value, "budget", MAX_BUDGET, shown=repr(short(str(budget)))), cur


def check(paths: Sequence[str] = (), *, model: str | None = None, budget: Money | Decimal | int | str,
          currency: str | None = None, text: str | None = None, input_tokens: int | None = None,
          output_tokens: int | None = None, output_ratio: DecimalLike | None = None, cache_hit: DecimalLike = 0,
          requests: int = 1, fx: FxLike | None = None, as_of: DateLike | None = None, prices: str = "documents",
          encoding: str | None = None, jobs: int | None = None, per_input: bool = False, cache: bool = True,
          field: str | None = None, scheduler: str | None = None, at: InstantLike | None = None,
          reasoning_ratio: DecimalLike | None = None, cache_write: DecimalLike = 0) -> CheckResult:
    """Does the job fit the budget, and does every request fit the model's context window?

    The job is described as for `cost()` (same arguments, one model). For an estimate the high
    end of the band is checked. Unreadable inputs go to `.errors` (nothing is checked then)."""
    amount, budget_cur = parse_budget(budget)
    currency = parse_currency(currency)
    if currency and budget_cur and currency != budget_cur:
        raise UsageError(f"the budget is in {budget_cur} but --currency is {currency}")
    if model is None:
        from tokcost.pricing.jobs import declared_models

        named = declared_models(paths)
        if len(named) != 1:
            raise UsageError("check takes one model: give -m MODEL" + (
                f" (the requests name {len(named)}: {', '.join(named)})" if named else ""))
        model = named[0]
    elif model.strip().lower() == "all" or "," in model:
        raise UsageError("check takes one model (-m MODEL)")
    result = cost(paths, models=[model], currency=currency or budget_cur, text=text, input_tokens=input_tokens,
                  output_tokens=output_tokens, output_ratio=output_ratio, cache_hit=cache_hit, requests=requests,
                  fx=fx, as_of=as_of, prices=prices, encoding=encoding, jobs=jobs, per_input=per_input,
                  cache=cache, field=field, scheduler=scheduler, at=at, reasoning_ratio=reasoning_ratio,
                  cache_write=cache_write)
    if result.errors:  # fail closed: an input that could not be read is never "ok"
        n = result.unread
        why = f"could not read {n} input{'s' if n != 1 else ''}; not checked" if n else "not checked"
        return CheckResult(False, [], None, errors=result.errors, summary=why, skipped=result.skipped_inputs)
    record = result.records[0]
    checked = judge(record, Money.of(amount, budget_cur or record.currency))
    checked.skipped = result.skipped_inputs
    return checked


def judge(record: CostRecord, budget: Money) -> CheckResult:
    """Failures of one priced job against a budget (in the record's currency) and the context window."""
    high = record.total_cost.convert(budget.currency, record.breakdown.fx).high
    tail = ""
    if record.count_kind == "estimate":
        tail = " (estimate: checked the high end of the band)"
    elif not record.total_cost.is_exact:
        tail = f" (the cost is a range, {show_money(record.total_cost)}: checked the high end)"
    n = record.inputs
    what = f"{n} input{'s' if n != 1 else ''}" + (f", {record.requests:,} requests" if record.requests > 1 else "")
    cur, limit = budget.currency, budget.high
    failures = []
    assume = f"; {record.output_assumption}" if record.output_assumption else ""
    if high > limit:
        failures.append(f"over budget: {show(high)} {cur} > {plain(limit)} {cur} budget by "
                        f"{show(high - limit)} {cur} ({what}, {record.model}){tail}{assume}")
    window = record.context_window or 0  # 0: unknown, not checked
    largest = max(int(r.input.high + r.output.high) for r in record.per_request)
    for r in record.per_request if window else ():
        size = int(r.input.high + r.output.high)
        if size > window:
            parts = f" ({int(r.input.high):,} input + {int(r.output.high):,} output)" if r.output.high else ""
            joined = " (these inputs are one request; --per-input sends each as its own)" if r.inputs > 1 else ""
            failures.append(f"{r.label}: {size:,} tokens{parts} > {record.model} context window {window:,} "
                            f"by {size - window:,}{tail if record.count_kind == 'estimate' else ''}{joined}")
    fits = (f"largest request {largest:,} tokens fits the context window {window:,} ({record.context_source})"
            if window else f"context window of {record.model} NOT CHECKED: unknown ({record.context_source})")
    summary = ("" if failures else
               f"ok: {show(high)} {cur} <= {plain(limit)} {cur} budget ({what}, {record.model}){assume}; {fits}{tail}")
    notes = [fits] if failures and not window else []
    return CheckResult(not failures, failures, record, budget, summary=summary, notes=notes)
