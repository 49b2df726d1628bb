"""Dataset inputs (--field): readers, shards, malformed records, chat records, fine-tuning cost.

Expected counts are computed here with tiktoken directly, record by record (not with tokcost's engine).
"""
from __future__ import annotations

import csv
import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from cli_run import run

from tokcost.datasets import readers
from tokcost.datasets.api import count_dataset, dataset_job, plan_inputs
from tokcost.datasets.fields import FieldError, parse_field
from tokcost.errors import UsageError
from tokcost.tokenizers import get_tokenizer

TEXTS = [f"Record {i}: 大模型 price war, tokens 第{i}条.\nSecond line {i * 7}." for i in range(60)]


def tk(text: str, name: str = "o200k_base") -> int:
    return len(get_tokenizer(name).encoding.encode_ordinary(text))


def chat_tokens(messages: list[dict], name: str = "cl100k_base") -> int:
    """OpenAI cookbook num_tokens_from_messages, written out here."""
    n = 3
    for m in messages:
        n += 3 + sum(tk(v, name) for v in m.values())
        n += 1 if "name" in m else 0
    return n


# ---------------------------------------------------------------- field paths

@pytest.mark.parametrize("path, record, expected", [
    ("text", {"text": "a"}, "a"),
    ("body.messages", {"body": {"messages": [1]}}, [1]),
    ("conversations[*].value", {"conversations": [{"value": "x"}, {"value": "y"}]}, ["x", "y"]),
    ("turns[1]", {"turns": ["a", "b"]}, "b"),
    ("meta.tags[*]", {"meta": '{"tags": ["p", "q"]}'}, ["p", "q"]),  # a JSON string is parsed on the way down
])
def test_field_paths(path: str, record: dict, expected: object) -> None:
    assert parse_field(path).extract(record) == expected


@pytest.mark.parametrize("path, record, message", [
    ("text", {"body": "x"}, "no field 'text'"),
    ("text", {"text": None}, "no field 'text'"),
    ("a.b", {"a": 3}, "above it is a number"),
    ("a[*]", {"a": "plain"}, "not a list"),
    ("a[5]", {"a": [1]}, "has 1 elements"),
])
def test_field_errors(path: str, record: dict, message: str) -> None:
    with pytest.raises(FieldError, match=message):
        parse_field(path).extract(record)


@pytest.mark.parametrize("bad", ["", "a..b", "a[x]", "a[*"])
def test_bad_field_path_is_a_usage_error(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_field(bad)


# ---------------------------------------------------------------- readers

def write_jsonl(path: Path, rows: list, bad: dict[int, str] | None = None) -> Path:
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    for where, text in (bad or {}).items():
        lines.insert(where, text)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("shard_bytes", [37, 500, 4096, 10**9])
def test_jsonl_byte_ranges_cover_every_line_once(tmp_path: Path, monkeypatch, shard_bytes: int) -> None:
    """Records, line numbers and totals are the same however the file is cut."""
    monkeypatch.setenv("TOKCOST_SHARD_BYTES", str(shard_bytes))
    data = write_jsonl(tmp_path / "d.jsonl", [{"text": t} for t in TEXTS], bad={10: "{oops", 31: ""})
    report = count_dataset([str(data)], field_path="text", cache=False, jobs=2)
    assert report.records == {str(data): 60}
    assert report.tokens("o200k_base") == sum(tk(t) for t in TEXTS)
    assert [e.message.split(":")[0] for e in report.errors] == ["line 11"]  # the blank line 32 is not a record
    assert report.totals[0].chars == sum(len(t) for t in TEXTS)


def test_json_array_streams_element_by_element(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(readers, "_JSON_BLOCK", 7)  # elements span many blocks
    data = tmp_path / "d.json"
    data.write_text(json.dumps([{"text": t, "n": i * 1.5} for i, t in enumerate(TEXTS)], indent=1), encoding="utf-8")
    report = count_dataset([str(data)], field_path="text", cache=False)
    assert report.records == {str(data): 60} and not report.errors
    assert report.tokens("o200k_base") == sum(tk(t) for t in TEXTS)


def test_json_array_broken_element_is_reported_by_number(tmp_path: Path) -> None:
    data = tmp_path / "d.json"
    data.write_text('[{"text": "one"}, {"text": "two"}, {"text": tri}]', encoding="utf-8")
    report = count_dataset([str(data)], field_path="text", cache=False)
    assert report.records == {str(data): 2}
    assert report.errors[0].message.startswith("record 3: not valid JSON")


@pytest.mark.parametrize("suffix, delimiter", [(".csv", ","), (".tsv", "\t")])
def test_csv_and_tsv_columns(tmp_path: Path, suffix: str, delimiter: str) -> None:
    data = tmp_path / f"d{suffix}"
    with data.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(["id", "body"])
        w.writerows([i, t] for i, t in enumerate(TEXTS))  # quoted newlines inside cells
        fh.write(f"99{delimiter}x{delimiter}extra\n")
    report = count_dataset([str(data)], field_path="body", cache=False)
    assert report.tokens("o200k_base") == sum(tk(t) for t in TEXTS)
    assert [e.message for e in report.errors] == ["row 61: 3 cells, the header has 2"]


def write_parquet(path: Path, rows: list[dict], row_group_size: int) -> Path:
    import pyarrow as pa  # the test extra installs it: missing, the test fails rather than skips
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=row_group_size)
    return path


def test_parquet_row_groups_and_nested_columns(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TOKCOST_SHARD_BYTES", "1")  # one shard per row group
    rows = [{"id": i, "conversations": [{"from": "human", "value": t}, {"from": "gpt", "value": t[::-1]}]}
            for i, t in enumerate(TEXTS)]
    data = write_parquet(tmp_path / "d.parquet", rows, row_group_size=7)
    planned = plan_inputs([str(data)])
    assert planned.files == [(str(data), "parquet")]
    assert len(readers.plan(str(data), "parquet", 0, 1)) == 9
    report = count_dataset([str(data)], field_path="conversations[*].value", cache=False, jobs=2)
    assert report.records == {str(data): 60} and not report.errors
    assert report.tokens("o200k_base") == sum(tk(t) + tk(t[::-1]) for t in TEXTS)


def test_parquet_missing_column_is_one_error(tmp_path: Path, capsys) -> None:
    data = write_parquet(tmp_path / "d.parquet", [{"text": "a"}], row_group_size=10)
    code, _, err = run(capsys, "count", str(data), "--field", "body")
    assert code == 1 and "no column 'body' (columns: text)" in err


def test_folder_keeps_dataset_files_and_skips_others(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [{"text": t} for t in TEXTS[:10]])
    write_jsonl(tmp_path / "b.json", [])
    (tmp_path / "b.json").write_text(json.dumps([{"text": t} for t in TEXTS[10:20]]), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a dataset", encoding="utf-8")
    report = count_dataset([str(tmp_path)], field_path="text", cache=False)
    assert sum(report.records.values()) == 20 and not report.errors
    assert [s.path for s in report.skipped] == [str(tmp_path / "notes.txt")]
    assert report.tokens("o200k_base") == sum(tk(t) for t in TEXTS[:20])


def test_count_cache_is_consulted_first(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TOKCOST_COUNT_CACHE_DIR", str(tmp_path / "cache"))
    data = write_jsonl(tmp_path / "d.jsonl", [{"text": t} for t in TEXTS])
    first = count_dataset([str(data)], field_path="text")
    import tokcost.datasets.api as api

    def no_work(shards, *args, **kwargs):
        assert not shards, "counted again despite the cache"
        return iter(())

    monkeypatch.setattr(api, "run", no_work)
    second = count_dataset([str(data)], field_path="text")
    assert second.as_dict() == first.as_dict()


# ---------------------------------------------------------------- chat records, cost and check

MESSAGES = [[{"role": "system", "content": "You are terse."}, {"role": "user", "content": f"What is {i}+{i}?"},
             {"role": "assistant", "content": str(2 * i), "name": "calc"}] for i in range(25)]


def test_chat_records_are_requests_with_the_batch_rules(tmp_path: Path) -> None:
    rows = [{"custom_id": f"r{i}", "body": {"model": "gpt-3.5-turbo", "messages": m}} for i, m in enumerate(MESSAGES)]
    data = write_jsonl(tmp_path / "batch.jsonl", rows)
    job = dataset_job([str(data)], field_path="messages", tokenizers=["cl100k_base"])
    assert [r.tokens("cl100k_base", True) for r in job.requests] == [chat_tokens(m) for m in MESSAGES]
    assert job.requests[3].label == f"{data}:4 (r3)"


def test_fine_tuning_cost_for_n_epochs(tmp_path: Path, capsys) -> None:
    data = write_jsonl(tmp_path / "train.jsonl", [{"messages": m} for m in MESSAGES])
    code, out, err = run(capsys, "cost", str(data), "--field", "messages", "-m", "gpt-3.5-turbo-ft",
                         "--epochs", "3", "--format", "json")
    assert code == 0, err
    training = json.loads(out)[0]["training"]
    per_epoch = sum(chat_tokens(m) for m in MESSAGES)
    assert training["tokens_per_epoch"] == per_epoch and training["billed_tokens"] == 3 * per_epoch
    assert D(training["cost"]) == D(3 * per_epoch) * D("0.008") / 1000  # document 000: $0.008 per 1K
    code, out, _ = run(capsys, "cost", str(data), "--field", "messages", "-m", "gpt-3.5-turbo-ft", "--epochs", "3")
    assert code == 0 and f"{3 * per_epoch:,}" in out and "0.008 USD/1K" in out


def test_training_cost_converts_at_the_same_dated_rate_as_the_record(tmp_path: Path, capsys) -> None:
    """On an --as-of date the training cost and the request cost use one rate: the ECB's of that day."""
    data = write_jsonl(tmp_path / "train.jsonl", [{"messages": m} for m in MESSAGES])
    code, out, err = run(capsys, "cost", str(data), "--field", "messages", "-m", "gpt-3.5-turbo-ft", "--epochs", "3",
                         "--currency", "CNY", "--as-of", "2024-06-03", "--format", "json")
    assert code == 0, err
    record = json.loads(out)[0]
    assert record["fx"]["rate"] == "7.24608" and record["fx"]["date"] == "2024-06-03"  # ECB 2024-06-03: 7.8562 CNY / 1.0842 USD per EUR
    per_epoch = sum(chat_tokens(m) for m in MESSAGES)
    assert D(record["training"]["cost"]) == D(3 * per_epoch) * D("0.008") / 1000 * D("7.24608")


def test_training_price_is_refused_where_no_document_gives_one(tmp_path: Path, capsys) -> None:
    data = write_jsonl(tmp_path / "train.jsonl", [{"messages": m} for m in MESSAGES])
    code, _, err = run(capsys, "cost", str(data), "--field", "messages", "-m", "gpt-4o", "--epochs", "2")
    assert code == 1 and "no document gives a training price for gpt-4o" in err


def test_check_fails_closed_on_a_malformed_record(tmp_path: Path, capsys) -> None:
    good = write_jsonl(tmp_path / "ok.jsonl", [{"messages": m} for m in MESSAGES])
    code, out, _ = run(capsys, "check", str(good), "--field", "messages", "-m", "gpt-3.5-turbo", "--budget", "1")
    assert code == 0 and out.startswith("ok:")
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"messages": m} for m in MESSAGES], bad={5: '{"messages": 3}'})
    code, out, err = run(capsys, "check", str(bad), "--field", "messages", "-m", "gpt-3.5-turbo", "--budget", "1")
    assert code == 2 and out == "could not read 1 input; not checked\n"  # the verdict: never "ok"
    assert err.strip().splitlines() == [f"tokcost: {bad}: line 6: field 'messages' is int, not text or chat messages"]


def test_count_reports_bad_records_and_counts_the_rest(tmp_path: Path, capsys) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"text": t} for t in TEXTS], bad={0: "[1, 2", 2: '{"text": 5}'})
    code, out, err = run(capsys, "count", str(data), "--field", "text", "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["records"] == {str(data): 60} and report["totals"][0]["tokens"] == sum(tk(t) for t in TEXTS)
    assert [line.split(": ")[1] for line in err.strip().splitlines()] == [str(data)] * 2
    assert "line 1: not valid JSON" in err and "line 3: field 'text' is int" in err


def test_a_record_longer_than_a_chunk_is_counted_whole(tmp_path: Path) -> None:
    long_text = "".join(f"Line {i}: 长文本 of one record, cut only where exact.\n" for i in range(9000))
    assert len(long_text) > 256 * 1024
    data = write_jsonl(tmp_path / "d.jsonl", [{"text": long_text}, {"text": "short"}])
    report = count_dataset([str(data)], field_path="text", tokenizers=["o200k_base", "cl100k_base"], cache=False)
    assert report.tokens("o200k_base") == tk(long_text) + tk("short")
    assert report.tokens("cl100k_base") == tk(long_text, "cl100k_base") + tk("short", "cl100k_base")


def test_field_messages_prices_a_batch_exactly_as_the_batch_rules_do(tmp_path: Path, capsys) -> None:
    """tools, body.max_tokens and the chat overhead: the dataset path reuses tokcost.pricing.jobs."""
    tool = {"type": "function", "function": {"name": "get_order", "description": "Look up an order",
                                             "parameters": {"type": "object", "properties": {
                                                 "id": {"type": "string", "description": "order id"}}}}}
    rows = [{"custom_id": f"r{i}", "body": {"model": "gpt-4o", "messages": m, "max_tokens": 50 + i,
                                            **({"tools": [tool]} if i % 2 else {})}}
            for i, m in enumerate(MESSAGES)]
    data = write_jsonl(tmp_path / "batch.jsonl", rows)
    as_batch = run(capsys, "cost", str(data), "-m", "gpt-4o", "-f", "json")
    as_dataset = run(capsys, "cost", str(data), "--field", "messages", "-m", "gpt-4o", "-f", "json")
    assert as_batch[0] == as_dataset[0] == 0
    batch, dataset = json.loads(as_batch[1])[0], json.loads(as_dataset[1])[0]
    for key in ("requests", "input_tokens", "output_tokens", "total_cost"):
        assert dataset[key] == batch[key], key
    assert batch["output_tokens"] == sum(50 + i for i in range(len(MESSAGES)))


def test_stdin_is_a_jsonl_dataset_locally_but_not_on_a_cluster() -> None:
    import subprocess
    import sys

    lines = "".join(json.dumps({"text": t}) + "\n" for t in TEXTS[:5])
    cmd = [sys.executable, "-m", "tokcost", "count", "-", "--field", "text", "--format", "json"]
    proc = subprocess.run(cmd, input=lines.encode(), capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["totals"][0]["tokens"] == sum(tk(t) for t in TEXTS[:5])
    proc = subprocess.run([*cmd, "--scheduler", "tcp://127.0.0.1:9"], input=lines.encode(), capture_output=True,
                          timeout=120)
    assert proc.returncode == 2 and proc.stderr.decode().strip() == \
        "tokcost: stdin cannot be counted on a cluster (workers read files); give a file"


@pytest.mark.parametrize("command", [["count"], ["cost", "-m", "gpt-4o"], ["check", "-m", "gpt-4o", "--budget", "1"]])
def test_scheduler_needs_a_field(command: list[str], capsys) -> None:
    batch = str(Path(__file__).resolve().parent.parent / "examples" / "batch.jsonl")
    code, out, err = run(capsys, *command, batch, "--scheduler", "tcp://127.0.0.1:9")
    assert code == 2 and not out and "--scheduler counts datasets: give --field" in err


FT_TOML = """vendor = "acme"
name = "Acme"
currency = "USD"

[[models]]
id = "acme-ft"
display_name = "Acme fine-tuned"
count_kind = "exact"
tokenizer = "cl100k_base"

[[prices]]
model = "acme-ft"
doc_model = "Acme FT"
source = "doc.txt"
table = "t"
currency = "USD"
per_tokens = 1000
input = "0.003"
output = "0.006"
training = "{training}"
effective = "2024-05"
status = "list"
"""


@pytest.mark.parametrize("training, problem", [("0.008", None), ("-1", "not a price"), ("abc", "not a price")])
def test_training_price_is_validated(tmp_path: Path, training: str, problem: str | None) -> None:
    from tokcost.errors import DataError
    from tokcost.pricing.catalog import load_catalog

    path = tmp_path / "acme.toml"
    path.write_text(FT_TOML.format(training=training), encoding="utf-8")
    if problem is None:
        entry = load_catalog([path], include_shipped=False).get("acme-ft").history[0]
        assert entry.price_per("training", 1000).low == D(training)
        return
    with pytest.raises(DataError, match=f"key 'training' is {problem}"):
        load_catalog([path], include_shipped=False)


@pytest.mark.parametrize("shard_bytes", [23, 61, 200, 10**9])
def test_record_numbers_count_blank_lines_in_every_shard(tmp_path: Path, monkeypatch, shard_bytes: int) -> None:
    """Blank lines and `null` lines at shard ends: later shards still number their lines right."""
    monkeypatch.setenv("TOKCOST_SHARD_BYTES", str(shard_bytes))
    lines = []
    for i, t in enumerate(TEXTS[:30]):
        lines += [json.dumps({"text": t}), "", "   "] if i % 3 else [json.dumps({"text": t}), "null"]
    lines[-1] = "{broken"
    data = tmp_path / "d.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = count_dataset([str(data)], field_path="text", cache=False, jobs=2)
    nulls = [n for n, line in enumerate(lines, 1) if line == "null"]
    assert [e.message.split(":")[0] for e in report.errors] == [f"line {n}" for n in nulls] + [f"line {len(lines)}"]
    assert report.records == {str(data): 30}  # the broken line replaced a blank one
