"""The tokcost command run in-process for the CLI tests: (exit code, stdout, stderr), never a traceback."""
from __future__ import annotations

import pytest

from tokcost.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err
