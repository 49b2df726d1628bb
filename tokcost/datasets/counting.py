"""Counting one shard: the pure function that runs in this process, a pool worker or a Dask worker.

Each record's value at the field is text (a string or a list of strings) or a chat request
(`messages`, or a batch line's `body.messages`); a chat is parsed and counted with the rules of
chat `.jsonl` batches (tokcost.pricing.jobs). `count` mode keeps totals only (bounded memory);
`requests` mode keeps one Request per record for pricing (a few integers per record).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokcost.counting.cuts import rechunk
from tokcost.counting.engine import CHUNK_CHARS, Counted, chunking_groups, count_chunk
from tokcost.datasets.fields import FieldError, FieldPath
from tokcost.datasets.readers import BLANK, RecordError, Shard, read
from tokcost.errors import InputError
from tokcost.tokenizers import get_tokenizer

# Shards count with the faster engines (where enabled) wherever they run, in this process, a pool or a
# Dask worker: datasets are usually large. count_dataset makes the count cache's identities with it too.
FAST = True


@dataclass
class ShardResult:
    shard: Shard
    counted: Counted  # all text of all good records: tokens per tokenizer and text measures
    records: int = 0  # good records
    lines: int = 0  # record numbers used (JSONL: lines read), to number the next shard's records
    errors: list[tuple[int, str]] = field(default_factory=list)  # (record number in the shard, problem)
    requests: list[Any] = field(default_factory=list)  # `requests` mode: (number, custom_id, Request)
    chats: int = 0


def count_shard(shard: Shard, path: FieldPath, names: tuple[str, ...], mode: str = "count",
                templates: tuple[str, ...] = ()) -> ShardResult:
    """Count every record of a shard; a bad record becomes an error and the others go on.

    `templates`: chat templates to render each chat record with (tokcost.pricing.templates)."""
    ensure_tokenizers(names)
    result = ShardResult(shard, Counted({n: 0 for n in names}))
    try:
        _count_records(result, shard, path, names, mode, templates)
    except OSError as exc:  # on a cluster: the worker cannot see the file
        raise InputError(f"{shard.path}: cannot read ({exc.strerror or exc})") from None
    return result


def _count_records(result: ShardResult, shard: Shard, path: FieldPath, names: tuple[str, ...], mode: str,
                   templates: tuple[str, ...]) -> None:
    base = None if shard.path == "-" else Path(shard.path).parent  # local image files are relative to it
    for number, record in read(shard, path.column):
        result.lines = number  # blank lines too: the next shard's records are numbered after them
        if record is BLANK:
            continue
        if isinstance(record, RecordError):
            result.errors.append((number, str(record)))
            continue
        try:
            _count_record(result, record, path, names, mode, number, (base, templates))
        except (FieldError, ValueError) as exc:
            result.errors.append((number, str(exc)))


def _count_record(result: ShardResult, record: Any, path: FieldPath, names: tuple[str, ...], mode: str,
                  number: int, context: tuple[Path | None, tuple[str, ...]]) -> None:
    from tokcost.pricing.jobs import Request, _body, chat_request, count_chat

    value = _value(record, path)
    messages = _messages(value)
    if messages is not None:
        base, templates = context
        body = _body(value) if isinstance(value, dict) else _body(record)  # tools, model, max_tokens
        chat = chat_request(messages, "", body, base)  # ValueError names the bad message
        request = count_chat(_engine(names), chat, templates) if mode == "requests" else None
        counted = _texts(chat.texts, names)
        result.chats += 1
    else:
        texts = _plain_texts(value, path)
        counted = _texts(texts, names)
        request = Request("", dict(counted.tokens))
    result.counted.add(counted)
    result.records += 1
    if mode == "requests":
        custom = record.get("custom_id") if isinstance(record, dict) else None
        result.requests.append((number, custom if isinstance(custom, str) else None, request))


def _value(record: Any, path: FieldPath) -> Any:
    try:
        return path.extract(record)
    except FieldError:
        body = record.get("body") if isinstance(record, dict) else None
        if isinstance(body, dict):  # an OpenAI batch line: the request is its body
            return path.extract(body)
        raise


def _messages(value: Any) -> list[Any] | None:
    from tokcost.pricing.jobs import _messages_of

    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return None
    return _messages_of(value)


def _plain_texts(value: Any, path: FieldPath) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    kinds = sorted({type(v).__name__ for v in value}) if isinstance(value, list) else [type(value).__name__]
    raise FieldError(f"field {path.text!r} is {'/'.join(kinds)}, not text or chat messages")


def _texts(texts: list[str], names: tuple[str, ...]) -> Counted:
    """Each text counted whole and exactly, as the engine counts it, but always in this process
    (a shard already runs in a worker: no pool inside a pool)."""
    total = Counted({n: 0 for n in names})
    for text in texts:
        if not text:
            continue
        if len(text) <= CHUNK_CHARS:
            total.add(count_chunk(text, True, names, fast=FAST))
            continue
        for i, (rule, group) in enumerate(_groups(names).items()):
            for j, chunk in enumerate(rechunk([text], rule, CHUNK_CHARS)):
                total.add(count_chunk(chunk, j == 0, group, measure=i == 0, fast=FAST))
    return total


@functools.lru_cache(maxsize=4)
def _groups(names: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return chunking_groups(get_tokenizer(n) for n in names)


class _InProcess:
    """What jobs.count_chat needs of an Engine (names, fast, count_text), counting in this process."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names, self.fast = names, FAST

    def count_text(self, text: str) -> Counted:
        return _texts([text], self.names)


def _engine(names: tuple[str, ...]) -> Any:
    return _InProcess(names)


@functools.lru_cache(maxsize=8)
def ensure_tokenizers(names: tuple[str, ...]) -> None:
    """Fetch (same pinned sha256 rules as `tokcost fetch`) and load every tokenizer, once per process."""
    from tokcost.tokenizers import tokenizer_names, tokenizer_spec
    from tokcost.tokenizers.assets import fetch

    assets = [tokenizer_spec(n).asset for n in names if n in tokenizer_names()]
    if assets:
        fetch(list(dict.fromkeys(assets)), report=lambda _msg: None)
    for n in names:
        get_tokenizer(n)
