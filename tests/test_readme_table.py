"""The README's measured chars/token and han/token table is what `tokcost compare --readme-table` prints."""
from __future__ import annotations

from pathlib import Path

from tokcost.comparison.analysis import compare
from tokcost.comparison.markdown import UPDATE_COMMAND, measured_table, readme_block

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_table_is_generated(all_tokenizers: list[str], corpora: list[str], warm_count_cache: Path) -> None:
    expected = measured_table(compare(corpora=["all"], tokenizers=all_tokenizers, models=[]))
    found = readme_block(README.read_text(encoding="utf-8"))
    assert found is not None, f"README.md has no measured-table block; run `{UPDATE_COMMAND}`"
    assert found == expected, f"README.md's measured table is stale; regenerate it with `{UPDATE_COMMAND}`"
