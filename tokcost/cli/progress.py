"""A progress bar on stderr for long work: only on a terminal, and only once the work passes a second."""
from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DELAY_SECONDS = 1.0


class ByteMeter:
    """What counting reports to: the total once the inputs are known, then the bytes as they are read."""

    def __init__(self, progress: Any, task: Any) -> None:
        self._progress, self._task = progress, task
        self._started, self._shown = time.monotonic(), False

    def total(self, n: int | None) -> None:
        """The bytes about to be read (None: unknown, e.g. stdin)."""
        self._progress.update(self._task, total=n or None)

    def advance(self, n: int) -> None:
        self._progress.advance(self._task, n)
        if not self._shown and time.monotonic() - self._started > DELAY_SECONDS:
            self._progress.start()
            self._shown = True

    def stop(self) -> None:
        if self._shown:
            self._progress.stop()


@contextmanager
def byte_progress(label: str = "counting") -> Iterator[ByteMeter | None]:
    """Yields a ByteMeter (or None when stderr is not a terminal)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    progress = Progress(TextColumn(label), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                        TimeRemainingColumn(), console=Console(stderr=True), transient=True)
    meter = ByteMeter(progress, progress.add_task(label, total=None))
    try:
        yield meter
    finally:
        meter.stop()
