import csv
import socket
import subprocess
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from tokcost.errors import DataError, UnknownName
from tokcost.pricing.catalog import default_fx, known_tokenizers, load_catalog
from tokcost.pricing.money import Amount

DATA = Path(__file__).resolve().parent / "data"
TSV = DATA / "prices-from-documents.tsv"  # vendored: every row check runs in a clean clone
SHARED = Path(__file__).resolve().parents[2] / "shared/spec"
ROWS = list(csv.DictReader(TSV.open(encoding="utf-8"), delimiter="\t"))
REQUIRED = ["gpt-4o", "gpt-4-turbo", "gpt-4", "gpt-3.5-turbo", "claude-3-opus", "claude-3-sonnet", "claude-3-haiku", "claude-3.5-sonnet", "gemini-1.5-pro", "gemini-1.5-flash", "deepseek-v2", "qwen-turbo", "qwen-plus", "qwen-long", "qwen-max", "ernie-4.0", "ernie-3.5", "ernie-speed", "ernie-lite", "hunyuan-lite", "hunyuan-standard", "hunyuan-standard-256k", "hunyuan-pro", "doubao-pro-32k", "doubao-pro-128k", "doubao-lite-32k", "doubao-lite-128k", "glm-4", "glm-4-0520", "glm-3-turbo", "moonshot-v1-8k", "moonshot-v1-32k", "moonshot-v1-128k", "spark-lite", "spark-pro", "spark-3.5-max", "abab-6.5", "abab-6.5s", "baichuan4", "baichuan3-turbo", "yi-large", "yi-large-turbo", "sensechat-32k", "mixtral-8x22b", "llama-3-70b"]


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def _all_entries(cat):
    return [e for m in cat.models for e in m.history]


@pytest.mark.parametrize("name", ["prices-from-documents.tsv", "context-windows.tsv"])
def test_vendored_tables_match_the_shared_spec(name):
    """The copies in tests/data are the spec's tables; where the spec is checked out, they agree."""
    shared = SHARED / name
    if shared.exists():
        assert (DATA / name).read_bytes() == shared.read_bytes(), f"update tests/data/{name} from {shared}"
    assert (DATA / name).stat().st_size > 0


def test_the_vendored_table_has_every_row():
    assert len(ROWS) == 153
    assert set(ROWS[0]) >= {"source", "model", "effective", "status", "note", "converted"}


@pytest.mark.parametrize("row", ROWS, ids=[f"{i + 2}:{r['model']}" for i, r in enumerate(ROWS)])
def test_every_tsv_row_is_in_catalog(cat, row):
    matches = [e for e in _all_entries(cat)
               if (e.source, e.table, e.doc_model, e.effective, e.status)
               == (row["source"], row["table"], row["model"], row["effective"], row["status"])
               and e.tier == row["tier"]]
    assert len(matches) == 1, f"{len(matches)} entries for {row}"
    e = matches[0]
    assert e.vendor_name == row["vendor"]
    assert e.currency == row["currency"]
    assert e.per_tokens == int(row["per_tokens"])
    for kind in ("input", "output"):
        expected = Amount.parse(row[kind]) if row[kind] else None
        assert getattr(e, kind) == expected, kind
        assert getattr(e, f"printed_{kind}") == row[kind], f"{kind} not as printed"
    assert e.note == row["note"]
    assert e.conflict == row["note"].startswith("CONFLICT")
    assert e.converted == row["converted"]
    assert bool(e.conversion_rate) == bool(row["converted"])
    assert e.garbled == ("garbled" in row["note"])


def test_catalog_has_one_entry_per_row(cat):
    assert len(_all_entries(cat)) == len(ROWS) == 153


def test_printed_typo_kept_and_correction_cited(cat):
    e = next(x for x in cat.get("gpt-4-32k").history if x.doc_model == "GPT-4 32K")
    assert e.output == Amount.parse("0.012") and "likely a typo" in e.note
    assert e.corrected_output == Amount.parse("0.12") and "genai-prices" in e.correction_source


def test_undated_rows_have_no_invented_date(cat):
    slide = [e for e in _all_entries(cat) if e.table == "openai-older-vs-new-usd-per-1k"]
    assert len(slide) == 8
    assert all(e.effective == "" and e.valid_from is None and e.valid_until is None for e in slide)
    assert {e.status for e in slide} == {"older", "newer"}


@pytest.mark.parametrize("model_id", REQUIRED)
def test_required_models(cat, model_id):
    assert cat.get(model_id).id == model_id


def test_tokenizers(cat):
    KNOWN_TOKENIZERS = known_tokenizers()
    assert {"o200k_base", "cl100k_base", "qwen", "claude-legacy", "glm-4", "minimax"} <= KNOWN_TOKENIZERS
    for m in cat.models:
        assert m.tokenizer in KNOWN_TOKENIZERS, m.id
        assert m.count_kind in ("exact", "estimate")
        if m.count_kind == "estimate":
            assert m.proxy_tokenizer in KNOWN_TOKENIZERS, m.id
        else:
            assert m.proxy_tokenizer is None


@pytest.mark.parametrize("model_id, kind, tok", [
    ("gpt-4o", "exact", "o200k_base"), ("gpt-4", "exact", "cl100k_base"), ("gpt-3.5-turbo", "exact", "cl100k_base"),
    ("deepseek-v2", "exact", "deepseek-v2"), ("qwen-max", "exact", "qwen"), ("mixtral-8x22b", "exact", "mistral-v3"),
    ("llama-3-70b", "exact", "llama3"), ("glm-4", "exact", "glm-4"), ("glm-3-turbo", "estimate", "glm-4"),
    ("claude-3-opus", "estimate", "claude-legacy"), ("abab-6.5", "estimate", "minimax"), ("ernie-4.0", "estimate", "qwen"),
])
def test_count_kinds(cat, model_id, kind, tok):
    m = cat.get(model_id)
    assert (m.count_kind, m.tokenizer) == (kind, tok)


def test_lookup_aliases_and_case(cat):
    assert cat.get("GPT-4-Turbo-1106").id == "gpt-4-turbo"
    assert cat.get("  Claude-3-5-Sonnet ").id == "claude-3.5-sonnet"
    with pytest.raises(UnknownName, match="did you mean"):
        cat.get("gpt-4-trubo")
    assert {v.key for v in cat.vendors} >= {"openai", "alibaba", "iflytek", "zeroone", "meta"}


def test_as_of_qwen_long(cat):
    m = cat.get("qwen-long")
    assert m.price_on(date(2024, 5, 1)).price_per("input") == Amount.of(20)
    assert m.price_on(date(2024, 5, 20)).status == "before"
    after = m.price_on(date(2024, 6, 1))
    assert after.price_per("input") == Amount.of(D("0.5"))
    assert m.price_on(date(2024, 5, 21)) == after
    assert m.price_on() == after  # default: newest known


def test_as_of_before_any_price(cat):
    with pytest.raises(Exception, match="no price for gpt-4o"):
        cat.get("gpt-4o").price_on(date(2024, 1, 1))


def test_gemini_tiers(cat):
    m = cat.get("gemini-1.5-pro")
    assert m.price_on(None, 200_000).tier == "prompt > 128k tokens"
    assert m.price_on(None, 128_000).tier == "prompt <= 128k tokens"
    assert m.price_on(None, None).tier == "prompt <= 128k tokens"


def test_conflicts_kept_not_chosen(cat):
    for mid, other_output in [("doubao-pro-32k", "0.0008"), ("qwen-plus", "0.002")]:
        m = cat.get(mid)
        chosen, conflicts = m.price_on(), m.conflicts_on()
        assert not chosen.conflict
        assert [c.output for c in conflicts] == [Amount.parse(other_output)]
        assert conflicts[0].resolution.startswith("rule:")
        assert conflicts[0] in m.history


def test_converted_rows_lose_to_vendor_prices(cat):
    e = cat.get("ernie-4.0").price_on()
    assert e.currency == "CNY" and not e.converted


def test_conversions_name_a_rate_that_reproduces_them(cat):
    """Each document conversion names the fx.toml rate it used; that rate maps the vendor's own figure
    (where the catalog has it in the other currency) onto the printed one."""
    from tokcost.pricing.catalog import fx_rates

    conv = [e for e in _all_entries(cat) if e.converted]
    assert len(conv) == sum(1 for r in ROWS if r["converted"]) == 16
    for e in conv:
        assert e.conversion_rate in fx_rates(), e


def test_context_windows(cat):
    assert cat.get("gpt-4-turbo").context_window == 128000
    assert "context-windows.tsv" in cat.get("claude-3-haiku").context_source


def test_default_fx():
    fx = default_fx()
    assert fx.rate == D("7.27") and fx.date == date(2024, 6, 28)
    assert "003_69930fb49161ad34.txt" in fx.origin
    # the rate reproduces the document's own conversions (rounded to whole CNY)
    for usd, cny in [(10, 73), (30, 218), (5, 36), (15, 109), (7, 51), (21, 153)]:
        assert round(usd * fx.rate) == cny


# ---------------------------------------------------------------- validator

GOOD = '''
vendor = "{vendor}"
name = "Acme"
currency = "CNY"

[[models]]
id = "acme-1"
display_name = "Acme 1"
count_kind = "exact"
tokenizer = "qwen"

[[prices]]
model = "acme-1"
doc_model = "Acme-1"
source = "x.txt"
table = "t"
currency = "CNY"
per_tokens = 1000
input = "0.1"
output = "0.2"
effective = "2024-05-21"
status = "after"
'''


def _write(tmp_path, text, vendor="acme"):
    path = tmp_path / f"{vendor}.toml"
    path.write_text(text.replace("{vendor}", vendor), encoding="utf-8")
    return path


def test_good_extra_file(tmp_path):
    cat = load_catalog([_write(tmp_path, GOOD)])
    assert cat.get("acme-1").price_on().input == Amount.parse("0.1")
    assert "gpt-4o" in cat


@pytest.mark.parametrize("old, new, message", [
    ('status = "after"', 'status = "after"\ncolour = "red"', r"acme\.toml: price #1.*'colour' is not a known key"),
    ('tokenizer = "qwen"', 'tokeniser = "qwen"', r"acme\.toml: model #1 \('acme-1'\).*'tokeniser'.*did you mean 'tokenizer'"),
    ('input = "0.1"', 'input = "0.1x"', r"price #1 \(model 'acme-1', table 't'\): key 'input' is not a price.*decimal string"),
    ('input = "0.1"', 'input = 0.1', r"key 'input' must be a string, not float; write exact decimals as strings"),
    ('currency = "CNY"\nper_tokens', 'currency = "RMB"\nper_tokens', r"key 'currency' has unknown value 'RMB'"),
    ('effective = "2024-05-21"', 'effective = "2024-13-01"', r"key 'effective' '2024-13-01' is not a date.*write \"2024-05\""),
    ('effective = "2024-05-21"', 'effective = "May 2024"', r"key 'effective'"),
    ('tokenizer = "qwen"', 'tokenizer = "qwen2"', r"key 'tokenizer' has unknown value 'qwen2'; did you mean 'qwen"),
    ('per_tokens = 1000', 'per_tokens = 100', r"key 'per_tokens' has unknown value 100"),
    ('count_kind = "exact"\ntokenizer = "qwen"', 'count_kind = "estimate"\ntokenizer = "qwen"', r"proxy_tokenizer' is missing"),
    ('display_name = "Acme 1"\n', '', r"key 'display_name' is missing"),
    ('model = "acme-1"', 'model = "acme-2"', r"key 'model' has unknown value 'acme-2'; did you mean 'acme-1'"),
])
def test_validator_errors(tmp_path, old, new, message):
    assert old in GOOD
    with pytest.raises(DataError, match=message):
        load_catalog([_write(tmp_path, GOOD.replace(old, new, 1))])


def test_duplicate_model_id(tmp_path):
    text = GOOD.replace('id = "acme-1"', 'id = "gpt-4o"').replace('model = "acme-1"', 'model = "gpt-4o"')
    with pytest.raises(DataError, match=r"acme\.toml: model 'gpt-4o'.*already used.*openai\.toml"):
        load_catalog([_write(tmp_path, text)])
    models = GOOD.split("[[prices]]")[0].split("[[models]]")[1]
    twice = GOOD.replace("[[prices]]", "[[models]]" + models + "[[prices]]")
    with pytest.raises(DataError, match="appears twice"):
        load_catalog([_write(tmp_path, twice)], include_shipped=False)


def test_vendor_must_match_file(tmp_path):
    path = tmp_path / "other.toml"
    path.write_text(GOOD.replace("{vendor}", "acme"), encoding="utf-8")
    with pytest.raises(DataError, match=r"name the file acme\.toml"):
        load_catalog([path])


def test_bad_toml_syntax(tmp_path):
    with pytest.raises(DataError, match=r"acme\.toml: not valid TOML"):
        load_catalog([_write(tmp_path, GOOD + "\n[[prices]\n")])


def test_extra_dir(tmp_path):
    _write(tmp_path, GOOD)
    assert load_catalog([tmp_path]).get("acme-1").vendor == "acme"


# ---------------------------------------------------------------- current prices

@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_current_prices_offline(cat, no_network):
    from tokcost.pricing.current import current_record, source_info

    rec = current_record(cat.get("gpt-4o"))
    entry = rec.price_on()
    assert entry.source.startswith("genai-prices ") and entry.status == "current"
    assert entry.currency == "USD" and entry.input is not None
    doc_days = {e.valid_from for e in _all_entries(cat)} | {e.valid_until for e in _all_entries(cat)}
    assert source_info().data_date not in doc_days
    assert source_info().data_date > date(2024, 12, 31)
    with pytest.raises(Exception, match="no price"):
        rec.price_on(date(2024, 6, 1))  # never mixed with the 2024 document rows


def test_current_prices_missing(cat):
    from tokcost.pricing.current import missing

    gone = missing(cat)
    assert "deepseek-v2" in gone and "ernie-4.0" in gone
    assert "gpt-4o" not in gone and "claude-3-haiku" not in gone


def test_genai_prices_imported_lazily():
    code = ("import sys, tokcost.pricing.catalog, tokcost.pricing.arithmetic, tokcost.pricing.current;"
            "sys.exit('genai_prices' in sys.modules)")
    root = Path(__file__).resolve().parents[1]
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0


def test_current_prices_evaluated_at_a_stated_instant(cat, no_network):
    from datetime import UTC, datetime

    from tokcost.pricing.current import current_record, evaluation_instant, instant_label

    at = evaluation_instant()
    assert at.tzinfo is UTC and at.microsecond == 0
    entry = current_record(cat.get("gpt-4o")).price_on()
    assert instant_label(at) in entry.effective and "T" in instant_label(at)
    noon = datetime(2025, 6, 1, 12, 30, tzinfo=UTC)
    assert "evaluated at 2025-06-01T12:30:00Z" in current_record(cat.get("gpt-4o"), noon).price_on().effective
