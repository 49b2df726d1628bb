"""Output of dataset counts and fine-tuning costs (count --field, cost --epochs)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import typer

from tokcost.cli.render import Format, print_csv, print_json, print_table, warn

MAX_ERROR_LINES = 20


def warn_errors(errors: Sequence[str]) -> None:
    """One stderr line per problem, at most MAX_ERROR_LINES, then how many more (JSON has them all)."""
    for error in errors[:MAX_ERROR_LINES]:
        warn(error)
    if len(errors) > MAX_ERROR_LINES:
        warn(f"... and {len(errors) - MAX_ERROR_LINES:,} more malformed records or inputs")


def count_dataset_command(paths: list[str], text: str | None, tokenizers: list[str] | None, field: str | None,
                          scheduler: str | None, jobs: int | None, cache: bool, fmt: Format,
                          print_count: Callable[[Any, Format], None]) -> None:
    from tokcost.datasets.api import count_dataset
    from tokcost.errors import UsageError

    if text is not None:
        raise UsageError("--field reads dataset files; --text cannot be a dataset")
    if field is None:
        raise UsageError("--scheduler counts datasets: give --field (e.g. --field text)")
    report = count_dataset(paths, field_path=field, tokenizers=tokenizers, jobs=jobs, scheduler=scheduler,
                           cache=cache)
    warn_errors([str(e) for e in report.errors])
    print_count(report, fmt)
    if fmt is Format.table:
        records = sum(report.records.values())
        files = len(report.records)
        typer.echo(f"{records:,} records in {files} file{'s' if files != 1 else ''}, field {report.field_path!r}, "
                   f"counted on {report.where}" + (f"; {len(report.errors):,} not counted (see above)"
                                                  if report.errors else ""))
    if report.errors:
        raise typer.Exit(1)


def print_training(records: Sequence[Any], fmt: Format) -> None:
    from tokcost.pricing.money import show_money

    rows = [r for r in records if r.training is not None]
    if fmt is Format.json:
        print_json([r.to_json() for r in rows])
        return
    cols = ["model", "examples", "tokens/epoch", "epochs", "training tokens", "price", "training cost"]
    table = [[r.model, t.examples, t.tokens_per_epoch, t.epochs, t.billed_tokens, t.price_label(),
              show_money(t.cost)] for r in rows for t in [r.training]]
    if fmt is Format.csv:
        print_csv(["model", "examples", "tokens_per_epoch", "epochs", "training_tokens", "currency",
                   "training_cost", "price_source"],
                  [[*row[:5], t.cost.currency, t.cost.to_json(), f"{t.entry.source}, table {t.entry.table}"]
                   for row, t in zip(table, (r.training for r in rows), strict=True)])
        return
    print_table("fine-tuning (training) cost", cols, table,
                numeric=["examples", "tokens/epoch", "epochs", "training tokens", "training cost"])
    typer.echo("training tokens = each example counted as a chat request (OpenAI: +3 per message, +1 per "
               "name, +3 reply priming) x epochs")
    for r in rows:
        e = r.training.entry
        typer.echo(f"{r.model}: training price {r.training.price_label()} tokens ({e.doc_model}; {e.source}, "
                   f"table {e.table}, {e.effective or 'undated'}, {e.status})")
        if r.training.fx is not None:
            typer.echo(f"{r.model}: converted at {r.training.fx.describe()}")
