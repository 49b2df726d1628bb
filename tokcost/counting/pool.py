"""Worker processes for counting: they fail fast when one dies and stop at once on Ctrl-C.

A `concurrent.futures.ProcessPoolExecutor` reports a worker that died (killed, out of memory) as
`BrokenProcessPool` on every pending task instead of waiting for it forever, which
`multiprocessing.Pool` does. Workers ignore SIGINT: a Ctrl-C (sent to the whole process group by a
terminal, or to the main process only) is handled by the main process alone, which then kills the
workers instead of waiting for their current chunk.
"""
from __future__ import annotations

import collections
import contextlib
import functools
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Future

from tokcost.errors import TokcostError


class WorkerDied(TokcostError):
    """A worker process ended abruptly (a signal such as SIGKILL, or the out-of-memory killer)."""

    def __init__(self, message: str = "a counting worker process died (killed, or out of memory)",
                 task: Any = None) -> None:
        super().__init__(message)
        self.task = task


_init_error: TokcostError | None = None  # in a worker process: why loading its tokenizers failed


def _start_worker(initializer: Callable[..., None] | None, initargs: tuple) -> None:
    global _init_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if initializer is not None:
        try:
            initializer(*initargs)
        except TokcostError as exc:  # a missing tokenizer file: one line from every task, not a dead pool
            _init_error = TokcostError(str(exc))


def _task(call: tuple[Callable[[Any], Any], Any]) -> Any:
    if _init_error is not None:
        raise _init_error
    fn, arg = call
    return fn(arg)


@functools.cache  # once per process: a second kill must not stack another hook
def _quiet_teardown() -> None:
    """After killing the workers, the executor's feeder thread may still write a shutdown sentinel to
    a pipe that is now closed (EBADF/EPIPE); multiprocessing prints that as a traceback after our one
    line. Those writes can only fail now, and nothing is lost: silence them."""
    import multiprocessing.queues
    import threading

    multiprocessing.queues.Queue._on_queue_feeder_error = staticmethod(lambda e, obj: None)  # type: ignore[attr-defined]
    default_hook = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if not isinstance(args.exc_value, OSError):
            default_hook(args)

    threading.excepthook = hook


def _ignoring_os_errors(fn: Callable[[], None]) -> Callable[[], None]:
    def call() -> None:
        with contextlib.suppress(OSError):
            fn()

    return call


def _nothing(_: object) -> None:
    return None


class WorkerPool:
    """`jobs` worker processes (forked where the platform can, so they inherit loaded tokenizers)."""

    def __init__(self, jobs: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()) -> None:
        import multiprocessing  # here, not at import: a run served from the caches starts no worker
        from concurrent.futures import ProcessPoolExecutor

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        self._executor = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                                             initializer=_start_worker, initargs=(initializer, initargs))

    def start(self) -> None:
        """Start the workers now (they start on the first task otherwise)."""
        self._submit(_nothing, None)

    def _submit(self, fn: Callable[..., Any], arg: Any) -> Future:
        # Forked workers start during a submit: block SIGINT meanwhile so that a child never runs
        # Python's KeyboardInterrupt handler before it has set SIG_IGN (the main process gets it after).
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return self._executor.submit(_task, (fn, arg))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any], window: int) -> Iterator[Any]:
        """`fn` over `tasks` in order, reading at most `window` tasks ahead.

        Raises WorkerDied, with `task` set to the oldest task still in flight.
        """
        from concurrent.futures.process import BrokenProcessPool

        pending: collections.deque[tuple[Any, Future]] = collections.deque()
        task = None
        try:
            for task in tasks:
                pending.append((task, self._submit(fn, task)))
                if len(pending) >= window:
                    task, future = pending.popleft()
                    yield future.result()
            while pending:
                task, future = pending.popleft()
                yield future.result()
        except BrokenProcessPool:
            raise WorkerDied(task=task) from None

    def close(self, kill: bool = False) -> None:
        """Wait for the workers to finish (or, `kill`, end them now: an interrupt or an error)."""
        if kill:
            _quiet_teardown()
            wakeup = getattr(self._executor, "_executor_manager_thread_wakeup", None)
            if wakeup is not None:  # the interpreter's exit hook wakes it again, through a pipe now closed
                wakeup.wakeup = _ignoring_os_errors(wakeup.wakeup)
            for process in list((getattr(self._executor, "_processes", None) or {}).values()):
                if process.is_alive():
                    process.kill()
            self._executor.shutdown(wait=False, cancel_futures=True)
        else:
            self._executor.shutdown(wait=True)
