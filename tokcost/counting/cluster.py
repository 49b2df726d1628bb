"""Counting dataset shards on a Dask cluster (`--scheduler tcp://HOST:PORT`), with dask.distributed.

The client sends shard descriptions (a file, a byte range or row groups), never the data: workers
read the files themselves, so they need the same paths (a shared or copied filesystem), tokcost at
the same version, and fetch any missing tokenizer file by the same pinned sha256 rules as
`tokcost fetch`. Results come back one small object per shard and are merged exactly by the caller.

A worker that dies is replaced by Dask: its shards are recomputed on another worker (each result
is still used once). A shard that keeps killing workers fails the run with one line; so does a
cluster left with no worker for TOKCOST_DASK_NO_WORKER_SECONDS (default 60): never a silent hang.

Start a cluster (one scheduler, then any number of workers, each where tokcost is installed):
    dask scheduler --host 0.0.0.0 --port 8786
    dask worker tcp://SCHEDULER-HOST:8786 --nthreads 1 --nworkers auto
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from typing import Any

from tokcost.errors import TokcostError, UsageError

CONNECT_SECONDS = 15
_SCHEMES = ("tcp://", "tls://", "ucx://", "ws://", "wss://", "inproc://")


def _no_worker_seconds() -> float:
    return float(os.environ.get("TOKCOST_DASK_NO_WORKER_SECONDS", "60"))


def connect(address: str) -> Any:
    """A dask.distributed Client, or one line saying why not."""
    if not address.startswith(_SCHEMES):
        raise UsageError(f"--scheduler {address!r}: write the scheduler's address as tcp://HOST:PORT")
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--scheduler needs dask.distributed: pip install 'tokcost[dask]'") from None
    for name in ("distributed", "distributed.client", "distributed.worker", "tornado"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        return Client(address, timeout=f"{CONNECT_SECONDS}s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise TokcostError(f"cannot reach the Dask scheduler at {address} within {CONNECT_SECONDS} s "
                           f"({type(exc).__name__}); is `dask scheduler` running there?") from None


def run_on_cluster(address: str, shards: Sequence[Any], path: Any, names: tuple[str, ...],
                   mode: str, templates: tuple[str, ...] = ()) -> Iterator[Any]:
    from tokcost.datasets.counting import count_shard

    client = connect(address)
    futures: list[Any] = []
    try:
        futures = client.map(count_shard, list(shards), path=path, names=names, mode=mode, templates=templates,
                             pure=False)
        with client.as_current():
            yield from _results(client, futures, address)
    finally:
        if futures:
            client.cancel(futures)
        client.close(timeout=5)


def _results(client: Any, futures: list[Any], address: str) -> Iterator[Any]:
    from distributed import wait
    from distributed.scheduler import KilledWorker

    pending = set(futures)
    idle_since: float | None = None
    while pending:
        try:
            done, _ = wait(list(pending), timeout=1, return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        for future in done:
            pending.discard(future)
            try:
                yield future.result()
            except KilledWorker:
                raise TokcostError(f"Dask workers died again and again counting one shard ({len(pending) + 1} "
                                   f"of {len(futures)} shards not counted); nothing was totalled") from None
        idle_since = _check_workers(client, idle_since, len(pending), len(futures), address)


def _check_workers(client: Any, idle_since: float | None, pending: int, total: int, address: str) -> float | None:
    if not pending or client.scheduler_info().get("workers"):
        return None
    now = time.monotonic()
    if idle_since is None:
        return now
    if now - idle_since > _no_worker_seconds():
        raise TokcostError(f"the Dask cluster at {address} has had no worker for {_no_worker_seconds():g} s: "
                           f"{pending} of {total} shards not counted; start one with `dask worker {address}`")
    return idle_since
