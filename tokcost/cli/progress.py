"""A progress bar on stderr for long work: only on a terminal, and only once the work passes a second."""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

DELAY_SECONDS = 1.0


@contextmanager
def byte_progress(total_bytes: int, label: str = "counting") -> Iterator[Callable[[int], None] | None]:
    """Yields an `on_bytes(n)` callback (or None when stderr is not a terminal)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    progress = Progress(TextColumn(label), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                        TimeRemainingColumn(), console=Console(stderr=True), transient=True)
    task = progress.add_task(label, total=total_bytes or None)
    started, shown = time.monotonic(), False

    def on_bytes(n: int) -> None:
        nonlocal shown
        progress.advance(task, n)
        if not shown and time.monotonic() - started > DELAY_SECONDS:
            progress.start()
            shown = True

    try:
        yield on_bytes
    finally:
        if shown:
            progress.stop()
