from __future__ import annotations

import sys
import time

from tokcost.cli import progress


def test_no_bar_when_stderr_is_not_a_terminal(capsys):
    with progress.byte_progress() as meter:
        assert meter is None
    assert capsys.readouterr().err == ""


def test_bar_appears_only_after_the_delay(monkeypatch, capsys):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0.2)
    with progress.byte_progress("counting") as meter:
        meter.total(10_000_000)
        meter.advance(1_000_000)  # before the delay: nothing shown
        assert capsys.readouterr().err == ""
        time.sleep(0.25)
        meter.advance(4_000_000)
        time.sleep(0.2)
    err = capsys.readouterr().err
    assert "counting" in err and "/s" in err  # transfer speed column: bytes per second
