"""Datasets for `count`, `cost` and `check`: plan shards, consult the count cache, count, merge.

`count_dataset` keeps totals only (bounded memory: one record at a time per worker, one small
result per shard). `dataset_job` keeps each record as a Request, for pricing and the context
window check (a few integers per record).
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tokcost.counting.api import CountRecord, CountReport, resolve_tokenizers
from tokcost.counting.engine import Counted
from tokcost.counting.inputs import expand
from tokcost.datasets.counting import ShardResult
from tokcost.datasets.fields import parse_field
from tokcost.datasets.readers import FORMATS, SHARD_BYTES, Shard, dataset_format, plan
from tokcost.datasets.runner import run
from tokcost.errors import InputError, InputProblem

if TYPE_CHECKING:
    from tokcost.pricing.jobs import Job

_RECORDS = "#records"  # the record count, kept in the count cache beside the token counts


@dataclass
class FileTotal:
    label: str
    fmt: str
    counted: Counted
    records: int = 0
    errors: list[InputProblem] = field(default_factory=list)
    requests: list = field(default_factory=list)
    chats: int = 0
    cached: bool = False


@dataclass
class DatasetReport(CountReport):
    records: dict[str, int] = field(default_factory=dict)
    field_path: str = ""
    where: str = "local"

    def as_dict(self) -> dict:
        return {**super().as_dict(), "field": self.field_path, "records": self.records, "counted_on": self.where}


@dataclass
class Planned:
    shards: list[Shard] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)  # (label, format) by file_index
    errors: list[tuple[str, str]] = field(default_factory=list)  # (label, problem)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    cached: dict[int, Counted] = field(default_factory=dict)


def shard_bytes() -> int:
    return int(os.environ.get("TOKCOST_SHARD_BYTES", SHARD_BYTES))


def plan_inputs(paths: Sequence[str]) -> Planned:
    """Every dataset file the arguments name, in order; a folder keeps only dataset files."""
    planned = Planned()
    items, bad_args = expand(list(paths))
    planned.errors.extend(bad_args)
    for item in items:
        fmt = "jsonl" if item.path is None else dataset_format(item.path)
        if fmt is None:
            why = f"not a dataset file ({', '.join(sorted(FORMATS))})"
            (planned.skipped if item.walked else planned.errors).append((item.label, why))
            continue
        planned.files.append((item.label, fmt))
    return planned


def _shard(planned: Planned, index: int, item_path: str, fmt: str) -> None:
    try:
        planned.shards.extend(plan(item_path, fmt, index, shard_bytes()))
    except InputError as exc:
        planned.errors.append((planned.files[index][0], str(exc).removeprefix(f"{item_path}: ")))


def _path_of(label: str) -> str:
    return "-" if label == "<stdin>" else label


def merge(results: Iterable[ShardResult], planned: Planned, names: tuple[str, ...]) -> list[FileTotal]:
    """Shard results -> one total per file; JSONL record numbers become the file's line numbers."""
    ordered = sorted(results, key=lambda r: (r.shard.file_index, r.shard.part))
    totals: dict[int, FileTotal] = {}
    offset = 0
    for r in ordered:
        label, fmt = planned.files[r.shard.file_index]
        total = totals.setdefault(r.shard.file_index, FileTotal(label, fmt, Counted({n: 0 for n in names})))
        if r.shard.part == 0:
            offset = 0
        base = (r.shard.first_record - 1) if r.shard.first_record is not None else offset
        total.counted.add(r.counted)
        total.records += r.records
        total.chats += r.chats
        word = "line" if fmt == "jsonl" else "row" if fmt in ("csv", "tsv", "parquet") else "record"
        total.errors.extend(InputProblem(label, f"{word} {base + n}: {why}") for n, why in r.errors)
        total.requests.extend((base + n, custom, req) for n, custom, req in r.requests)
        offset = base + r.lines
    return [totals[i] for i in sorted(totals)]


# ---------------------------------------------------------------- count

def _cache_key(label: str, field_text: str) -> str | None:
    from tokcost.counting.cache import CountCache
    from tokcost.digest import sha256_file

    path = Path(label)
    if label == "<stdin>" or not path.is_file():
        return None
    try:
        return CountCache.key(sha256_file(path), f"dataset|{field_text}")
    except OSError:
        return None


def count_dataset(paths: Sequence[str], *, field_path: str, tokenizers: Iterable[str] | None = None,
                  jobs: int | None = None, scheduler: str | None = None, cache: bool = True) -> DatasetReport:
    """Count the text at `field_path` in every record of every dataset file, per tokenizer.

    Malformed records are listed in `errors` (file and record number) and the rest are counted.
    Files counted before (same content, field and tokenizers) come from the count cache, on this
    machine, before any work is sent to a cluster."""
    from tokcost.counting.cache import CountCache, tokenizer_identity
    from tokcost.datasets.counting import FAST

    names = resolve_tokenizers(tokenizers)
    fpath = parse_field(field_path)
    planned = plan_inputs(paths)
    store = CountCache() if cache else None
    identities = {n: i for n in names if (i := tokenizer_identity(n, FAST))} if cache else {}
    keys: dict[int, str] = {}
    for index, (label, fmt) in enumerate(planned.files):
        key = _cache_key(label, fpath.text) if store is not None and len(identities) == len(names) else None
        if key is not None:
            found, missing = store.get(key, {**identities, _RECORDS: _RECORDS})
            if found is not None and not missing:
                planned.cached[index] = found
                continue
            keys[index] = key
        _shard(planned, index, _path_of(label), fmt)
    results = run(planned.shards, fpath, names, "count", jobs=jobs, scheduler=scheduler)
    totals = merge(results, planned, names)
    report = DatasetReport(names, field_path=fpath.text, where=scheduler or "local")
    report.errors.extend(InputProblem(label, why) for label, why in planned.errors)
    report.skipped.extend(InputProblem(label, why, "skipped") for label, why in planned.skipped)
    for index, found in planned.cached.items():
        tokens = dict(found.tokens)
        records = tokens.pop(_RECORDS)
        totals.append(FileTotal(planned.files[index][0], planned.files[index][1], Counted(tokens, found.stats),
                                records, cached=True))
    order = {label: i for i, (label, _) in enumerate(planned.files)}
    totals.sort(key=lambda t: order[t.label])
    for total in totals:
        key = keys.get(order[total.label])
        if key and store is not None and not total.errors and not total.cached:
            store.put(key, {**identities, _RECORDS: _RECORDS},
                      Counted({**total.counted.tokens, _RECORDS: total.records}, total.counted.stats))
    _fill(report, totals, names)
    return report


def _fill(report: DatasetReport, totals: list[FileTotal], names: tuple[str, ...]) -> None:
    grand = Counted({n: 0 for n in names})
    for t in totals:
        s = t.counted.stats
        report.files.extend(CountRecord(t.label, n, t.counted.tokens[n], s.chars, s.bytes, s.words, s.han)
                            for n in names)
        report.records[t.label] = t.records
        report.errors.extend(t.errors)
        grand.add(t.counted)
    s = grand.stats
    report.totals = [CountRecord(None, n, grand.tokens[n], s.chars, s.bytes, s.words, s.han) for n in names]


# ---------------------------------------------------------------- cost and check

def dataset_job(paths: Sequence[str], *, field_path: str, tokenizers: Sequence[str], jobs: int | None = None,
                scheduler: str | None = None, templates: Sequence[str] = ()) -> Job:
    """A pricing Job: one request per record (a chat request for chat-shaped records, counted with
    the rules of .jsonl batches: tools, images, body.model/max_tokens and `templates`)."""
    from tokcost.pricing.jobs import Job

    names = tuple(dict.fromkeys(tokenizers))
    fpath = parse_field(field_path)
    planned = plan_inputs(paths)
    for index, (label, fmt) in enumerate(planned.files):
        _shard(planned, index, _path_of(label), fmt)
    results = run(planned.shards, fpath, names, "requests", jobs=jobs, scheduler=scheduler, templates=tuple(templates))
    totals = merge(results, planned, names)
    job = Job([], names, inputs=len(totals))
    job.errors.extend(InputProblem(label, why) for label, why in planned.errors)
    job.skipped.extend(InputProblem(label, why, "skipped") for label, why in planned.skipped)
    for total in totals:
        job.errors.extend(total.errors)
        for number, custom, request in total.requests:
            request.label = f"{total.label}:{number}" + (f" ({custom})" if custom else "")
            job.requests.append(request)
    return job
