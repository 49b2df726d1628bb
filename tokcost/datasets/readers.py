"""Dataset files -> shards -> records, in bounded memory.

A shard is a small, picklable description of work: a byte range of a JSONL file (lines that start
in it), one or more row groups of a Parquet file, or a whole CSV/TSV/JSON file (quoted newlines and
JSON arrays cannot be cut safely). Reading a shard yields (record number within the shard, record)
or (number, RecordError); JSONL numbers are lines, made file-wide when shards are merged.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tokcost.counting import safejson
from tokcost.errors import InputError, UsageError

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv",
           ".parquet": "parquet", ".pq": "parquet"}
SHARD_BYTES = 32 * 1024 * 1024
_JSON_BLOCK = 1 << 20


@dataclass(frozen=True)
class Shard:
    path: str  # "-" is stdin (JSONL)
    fmt: str
    file_index: int  # the file's position among the inputs
    part: int  # the shard's position within its file
    start: int = 0  # JSONL: byte range [start, end); Parquet: row groups [start, end)
    end: int | None = None
    first_record: int | None = 1  # None: known only when earlier shards are counted (JSONL)


BLANK = object()  # a blank JSONL line: not a record, but it has a number


class RecordError(Exception):
    """One record could not be read (bad JSON, bad UTF-8, a CSV row with too many cells)."""


def dataset_format(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def plan(path: str, fmt: str, file_index: int, shard_bytes: int = SHARD_BYTES) -> list[Shard]:
    """The shards of one file (raises InputError when it cannot be opened)."""
    if path == "-":
        return [Shard(path, "jsonl", file_index, 0)]
    try:
        size = Path(path).stat().st_size
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror.lower() if exc.strerror else exc}") from None
    if fmt == "jsonl" and size > shard_bytes:
        starts = range(0, size, shard_bytes)
        return [Shard(path, fmt, file_index, i, s, min(s + shard_bytes, size), 1 if i == 0 else None)
                for i, s in enumerate(starts)]
    if fmt == "parquet":
        return _parquet_plan(path, file_index, shard_bytes)
    return [Shard(path, fmt, file_index, 0)]


def _parquet_plan(path: str, file_index: int, shard_bytes: int) -> list[Shard]:
    meta = _parquet_file(path).metadata
    shards: list[Shard] = []
    first, size, begin, rows = 1, 0, 0, 0
    for group in range(meta.num_row_groups):
        rg = meta.row_group(group)
        rows += rg.num_rows
        size += rg.total_byte_size
        if size >= shard_bytes or group == meta.num_row_groups - 1:
            shards.append(Shard(path, "parquet", file_index, len(shards), begin, group + 1, first))
            first, begin, size, rows = first + rows, group + 1, 0, 0
    return shards or [Shard(path, "parquet", file_index, 0, 0, 0, 1)]


def _parquet_file(path: str):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError("reading Parquet needs pyarrow: pip install 'tokcost[parquet]'") from None
    try:
        return pq.ParquetFile(path)
    except Exception as exc:
        raise InputError(f"{path}: not a Parquet file ({str(exc).splitlines()[0]})") from None


def read(shard: Shard, column: str) -> Iterator[tuple[int, Any]]:
    """(record number in the shard, from 1) and the record, or a RecordError in its place."""
    reader = {"jsonl": _jsonl, "json": _json, "csv": _csv, "tsv": _csv, "parquet": _parquet}[shard.fmt]
    return reader(shard, column)


# ---------------------------------------------------------------- JSONL

def _jsonl(shard: Shard, column: str) -> Iterator[tuple[int, Any]]:
    stream = sys.stdin.buffer if shard.path == "-" else open(shard.path, "rb")  # noqa: SIM115
    try:
        pos = shard.start
        if shard.start:
            stream.seek(shard.start - 1)
            pos += len(stream.readline()) - 1  # a line that started before this shard belongs to the previous one
        number = 0
        while shard.end is None or pos < shard.end:
            line = stream.readline()
            if not line:
                break
            pos += len(line)
            number += 1
            yield number, _json_line(line.rstrip(b"\r\n"), number == 1 and shard.start == 0) if line.strip() else BLANK
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _json_line(line: bytes, first: bool) -> Any:
    try:
        text = line.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as exc:
        return RecordError(f"not UTF-8 (byte {exc.start + 1} of the line)")
    try:
        return safejson.decoder().decode(text)
    except json.JSONDecodeError as exc:
        return RecordError(f"not valid JSON ({exc.msg}, column {exc.colno})")
    except (ValueError, RecursionError) as exc:
        return _hostile(exc)


# ---------------------------------------------------------------- JSON

def _json(shard: Shard, column: str) -> Iterator[tuple[int, Any]]:
    """A JSON array is read element by element; any other JSON value is one record."""
    with open(shard.path, encoding="utf-8-sig", errors="strict") as stream:
        try:
            head = _skip_space(stream.read(_JSON_BLOCK))
        except UnicodeDecodeError:
            yield 1, RecordError("not UTF-8")
            return
        if not head.startswith("["):
            try:
                yield 1, safejson.decoder().decode(head + stream.read())
            except json.JSONDecodeError as exc:
                yield 1, RecordError(f"not valid JSON ({exc.msg}, line {exc.lineno})")
            except (ValueError, RecursionError) as exc:
                yield 1, _hostile(exc)
            return
        yield from _json_array(stream, head[1:])


def _hostile(exc: BaseException, tail: str = "") -> RecordError:
    """A record nested too deeply or with a huge number (tokcost.counting.safejson); anything else re-raised."""
    bad = safejson.guarded(exc)
    if bad is None:
        raise exc
    return RecordError(bad.reason + tail)


def _skip_space(text: str) -> str:
    return text.lstrip(" \t\r\n")


def _json_array(stream: io.TextIOBase, buffer: str) -> Iterator[tuple[int, Any]]:
    decoder = safejson.decoder()
    number, done, need_comma = 0, False, False
    while True:
        buffer = _skip_space(buffer)
        while not done and len(buffer) < 2:
            more = stream.read(_JSON_BLOCK)
            done = not more
            buffer = _skip_space(buffer + more)
        if buffer.startswith("]"):
            return
        if not buffer:
            yield number + 1, RecordError("the array is not closed with ]")
            return
        if need_comma:
            if not buffer.startswith(","):
                yield number + 1, RecordError("expected ',' between elements; the rest of the array cannot be read")
                return
            buffer, need_comma = buffer[1:], False
            continue
        try:
            value, end = decoder.raw_decode(buffer)
        except (RecursionError, ValueError) as exc:
            if not isinstance(exc, json.JSONDecodeError):
                yield number + 1, _hostile(exc, "; the rest of the array cannot be read")
                return
            if not done:
                more = stream.read(_JSON_BLOCK)
                done = not more
                buffer += more
                continue  # the element may go on in the next block
            yield number + 1, RecordError(f"not valid JSON ({exc.msg}); the rest of the array cannot be read")
            return
        if end == len(buffer) and not done:  # a number may go on in the next block
            more = stream.read(_JSON_BLOCK)
            done = not more
            if more:
                buffer += more
                continue
        number += 1
        need_comma = True
        yield number, value
        buffer = buffer[end:]


# ---------------------------------------------------------------- CSV / TSV

def _csv(shard: Shard, column: str) -> Iterator[tuple[int, Any]]:
    csv.field_size_limit(sys.maxsize)
    delimiter = "\t" if shard.fmt == "tsv" else ","
    with open(shard.path, encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream, delimiter=delimiter)
        try:
            header = next(reader, None)
        except (UnicodeDecodeError, csv.Error) as exc:
            yield 1, RecordError(f"the header row cannot be read ({exc})")
            return
        if header is None:
            return
        if column not in header:
            raise InputError(f"{shard.path}: no column {column!r} (columns: {', '.join(header)})")
        number = 0
        while True:
            number += 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                yield number, RecordError("not UTF-8; the rest of the file cannot be read")
                return
            except csv.Error as exc:
                yield number, RecordError(f"not valid CSV ({exc})")
                continue
            if len(row) != len(header):
                yield number, RecordError(f"{len(row)} cells, the header has {len(header)}")
                continue
            yield number, dict(zip(header, row, strict=True))


# ---------------------------------------------------------------- Parquet

def _parquet(shard: Shard, column: str) -> Iterator[tuple[int, Any]]:
    pf = _parquet_file(shard.path)
    if column not in pf.schema_arrow.names:
        raise InputError(f"{shard.path}: no column {column!r} (columns: {', '.join(pf.schema_arrow.names)})")
    number = 0
    groups = list(range(shard.start, shard.end if shard.end is not None else pf.num_row_groups))
    if not groups:
        return
    for batch in pf.iter_batches(batch_size=4096, row_groups=groups, columns=[column]):
        for value in batch.column(0).to_pylist():  # memory: one batch of one column at a time
            number += 1
            yield number, {column: value}
