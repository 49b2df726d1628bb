"""Counting threads in this process, for engines that count in parallel in threads.

quicktok, tiktoken and sentencepiece release the GIL while they count and scale with threads
(tokcost/data/engines.toml `count_in_threads`): threads then count as fast as worker processes, but
the tokenizer is loaded once instead of once per process, and nothing is pickled. Reading, decoding
and the text measures' numpy loops overlap with the other thread's counting; only short Python
steps between them hold the GIL.

On Ctrl-C (or an error) the main thread stops waiting at once; the tasks not started are cancelled
and the command exits when the running ones have finished their piece (one range of ~4 MB each, a
bounded call: tokenizers that count inputs whole use worker processes). It cannot exit sooner: a
process that ends while a thread is inside quicktok's C++ code is aborted (SIGABRT, "terminate called
without an active exception") instead of exiting 130.
"""
from __future__ import annotations

import collections
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import Any

_Item = tuple[Callable[[Any], Any], Any, Future]


class ThreadWorkers:
    """`jobs` counting threads; `initializer(*initargs)` loads the tokenizers once, in its own thread
    (while this process plans), before any task runs."""

    def __init__(self, jobs: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()) -> None:
        self._jobs = jobs
        self._initializer, self._initargs = initializer, initargs
        self._ready: Future = Future()
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []  # the loading thread first

    def start(self) -> None:
        """Start loading and the threads now (they start on the first task otherwise)."""
        if self._threads:
            return
        self._threads = [threading.Thread(target=self._load, name="tokcost-load", daemon=True)]
        self._threads += [threading.Thread(target=self._run, name=f"tokcost-count-{i}", daemon=True)
                          for i in range(self._jobs)]
        for thread in self._threads:
            thread.start()

    def _load(self) -> None:
        try:
            if self._initializer is not None:
                self._initializer(*self._initargs)
        except BaseException as exc:  # reported by every task that needs the tokenizers
            self._ready.set_exception(exc)
        else:
            self._ready.set_result(None)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            fn, arg, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                self._ready.result()  # re-raises what loading raised, in every task
                future.set_result(fn(arg))
            except BaseException as exc:
                future.set_exception(exc)

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Future:
        self.start()
        future: Future = Future()
        self._queue.put((fn, arg, future))
        return future

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any], window: int) -> Iterator[Any]:
        """`fn` over `tasks` in order, reading at most `window` tasks ahead."""
        pending: collections.deque[Future] = collections.deque()
        try:
            for task in tasks:
                pending.append(self.submit(fn, task))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()

    def close(self, kill: bool = False) -> None:
        """Wait for the threads to finish their tasks (`kill`, after an error or an interrupt: cancel the
        tasks not started, and wait only for the running ones)."""
        if kill:
            self._cancel_queued()
        for _ in self._threads[1:]:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        self._threads = []

    def _cancel_queued(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                item[2].cancel()
