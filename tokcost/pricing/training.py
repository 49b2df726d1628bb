"""Fine-tuning cost: training tokens x epochs at the catalog's training price.

Training tokens are the tokens of every example in the training file, counted as chat requests
with the rules of `.jsonl` batches (for OpenAI models, the cookbook's per-message overhead, as
OpenAI's own fine-tuning data-preparation notebook counts them). A document states the training
price per token unit (000: GPT-3.5 Turbo fine-tuning "Training: $0.008" per 1K tokens); a model
without one cannot be priced for training.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tokcost.errors import TokcostError, UsageError
from tokcost.pricing.arithmetic import price_cost
from tokcost.pricing.catalog import ModelRecord, PriceEntry, unit_label
from tokcost.pricing.jobs import Job
from tokcost.pricing.money import FxRate, Money

OPENAI_VENDORS = frozenset({"openai"})


@dataclass(frozen=True)
class TrainingCost:
    model: str
    examples: int
    tokens_per_epoch: int
    epochs: int
    cost: Money
    entry: PriceEntry
    fx: FxRate | None = None

    @property
    def billed_tokens(self) -> int:
        return self.tokens_per_epoch * self.epochs

    def price_label(self) -> str:
        assert self.entry.training is not None
        return f"{self.entry.training.format()} {self.entry.currency}/{unit_label(self.entry.per_tokens)}"

    def to_json(self) -> dict[str, Any]:
        e = self.entry
        return {"examples": self.examples, "tokens_per_epoch": self.tokens_per_epoch, "epochs": self.epochs,
                "billed_tokens": self.billed_tokens, "currency": self.cost.currency, "cost": self.cost.to_json(),
                "price": e.training.format() if e.training else None, "price_currency": e.currency,
                "price_unit": e.per_tokens, "price_source": f"{e.source}, table {e.table}",
                "price_date": e.effective}


def training_cost(model: ModelRecord, job: Job, epochs: int, *, as_of: date | None = None,
                  currency: str | None = None, fx: FxRate | None = None) -> TrainingCost:
    """Raises TokcostError when no document gives the model a training price."""
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise UsageError(f"epochs must be a whole number >= 1, not {epochs!r}")
    if model.count_kind != "exact":
        raise TokcostError(f"{model.id}: training tokens need the model's own tokenizer (this count is an estimate)")
    entry = model.price_on(as_of)
    if entry.training is None:
        priced = _trainable()
        raise TokcostError(f"no document gives a training price for {model.id}"
                           + (f"; models with one: {', '.join(priced)}" if priced else ""))
    openai = model.vendor in OPENAI_VENDORS
    tokens = sum(r.tokens(model.tokenizer, openai) for r in job.requests)
    cost = price_cost(entry, "training", tokens * epochs)
    target = currency or cost.currency
    used_fx = None
    if target != cost.currency:
        if fx is None:
            raise UsageError(f"pricing {entry.currency} in {target} needs an exchange rate")
        cost, used_fx = cost.convert(target, fx), fx
    return TrainingCost(model.id, len(job.requests), tokens, epochs, cost, entry, used_fx)


def _trainable() -> list[str]:
    from tokcost.pricing.catalog import load_catalog

    return [m.id for m in load_catalog().models if any(e.training is not None for e in m.history)]
