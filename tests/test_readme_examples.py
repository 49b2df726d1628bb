"""The README's console examples are real: each block of `$ tokcost ...` lines is run and must print
exactly what the README shows (at 100 columns, stdout and stderr interleaved as on a terminal).

After a deliberate change in output, rewrite the README's blocks from the real output:
    TOKCOST_UPDATE_README=1 .venv/bin/python -m pytest -p no:xdist tests/test_readme_examples.py
Blocks that only list commands (no output), or start a cluster (dask), are not run.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"^```console\n(.*?)^```$", re.M | re.S)
STEP = "@@tokcost-readme-step@@"
COMMAND = re.compile(r"^\$ ((?:[^\n]*\\\n)*[^\n]*)$", re.M)  # `$ ` lines with their `\` continuation lines
NOT_RUN = ("dask ", "python ", " &\n")


@dataclass(frozen=True)
class Block:
    body: str

    @property
    def commands(self) -> list[str]:
        """Each `$ ` line, with its `\\` continuation lines joined."""
        return [re.sub(r"\\\n\s*", "", c) for c in COMMAND.findall(self.body)]

    @property
    def shown(self) -> list[str]:
        """The output the README shows after each command."""
        parts = re.split(r"^\$ (?:[^\n]*\\\n)*[^\n]*\n", self.body, flags=re.M)
        return [_clean(p) for p in parts[1:]]

    def runnable(self) -> bool:
        return any(self.shown) and not any(marker in self.body for marker in NOT_RUN)


def _clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip("\n").split("\n")) if text.strip() else ""


def blocks() -> list[Block]:
    text = README.read_text(encoding="utf-8")
    return [b for m in BLOCK.finditer(text) if (b := Block(m.group(1))).runnable()]


def run_block(block: Block, cwd: Path) -> list[str]:
    """The commands run in one shell (so `echo $?` sees the previous exit code), in `cwd`."""
    steps = (c.replace("${PIPESTATUS", "${__ps") for c in block.commands)
    script = "exec 2>&1\n" + "".join(
        f"{c}\n__ps=(\"${{PIPESTATUS[@]}}\"); printf '\\n{STEP}\\n'; (exit ${{__ps[-1]}})\n" for c in steps)
    env = {**os.environ, "COLUMNS": "100", "PYTHONUNBUFFERED": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    return [_clean(p) for p in proc.stdout.split(f"\n{STEP}\n")[:-1]]


def _genai_prices_mismatch(block: Block) -> str | None:
    recorded = re.search(r"genai-prices (\d+\.\d+\.\d+)", block.body)
    installed = metadata.version("genai-prices")
    if recorded and recorded.group(1) != installed:
        return f"recorded with genai-prices {recorded.group(1)}, installed {installed}: regenerate (see module doc)"
    return None


def _workdir(tmp_path: Path) -> Path:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    return tmp_path


@pytest.mark.parametrize("block", blocks(), ids=lambda b: b.commands[0][:60])
def test_readme_example_prints_what_the_readme_shows(block: Block, tmp_path: Path) -> None:
    if (why := _genai_prices_mismatch(block)) is not None:
        pytest.skip(why)  # today's prices move with genai-prices releases; the rest does not skip
    if "| jq " in block.body and shutil.which("jq") is None:
        pytest.skip("jq is not installed (setup.sh --test installs it)")
    actual = run_block(block, _workdir(tmp_path))
    if os.environ.get("TOKCOST_UPDATE_README") == "1":
        _rewrite(block, actual)
        return
    assert actual == block.shown


def _rewrite(block: Block, outputs: list[str]) -> None:
    body = "".join(f"$ {_shown_command(block, i)}\n" + (f"{out}\n" if out else "")
                   for i, out in enumerate(outputs))
    text = README.read_text(encoding="utf-8")
    assert text.count(block.body) == 1, "two identical blocks: rewrite by hand"
    start = text.index(block.body)
    README.write_text(text[:start] + body + text[start + len(block.body):], encoding="utf-8")


def _shown_command(block: Block, index: int) -> str:
    """The command as the README writes it (continuation lines kept)."""
    return str(COMMAND.findall(block.body)[index])


def test_the_examples_are_found() -> None:
    """A README edit that breaks the block syntax must not silently leave nothing to check."""
    found = blocks()
    assert len(found) >= 10
    assert any("examples/batch.jsonl" in c for b in found for c in b.commands)
