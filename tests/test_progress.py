from __future__ import annotations

import sys
import time

from tokcost.cli import progress


def test_no_bar_when_stderr_is_not_a_terminal(capsys):
    with progress.byte_progress(1000) as on_bytes:
        assert on_bytes is None
    assert capsys.readouterr().err == ""


def test_bar_appears_only_after_the_delay(monkeypatch, capsys):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0.2)
    with progress.byte_progress(10_000_000, "counting") as on_bytes:
        on_bytes(1_000_000)  # before the delay: nothing shown
        assert capsys.readouterr().err == ""
        time.sleep(0.25)
        on_bytes(4_000_000)
        time.sleep(0.2)
    err = capsys.readouterr().err
    assert "counting" in err and "/s" in err  # transfer speed column: bytes per second
