"""Where shards are counted: in this process, a local process pool, or a Dask cluster.

Every runner yields each shard's result exactly once (order does not matter: merging sorts them).
"""
from __future__ import annotations

import collections
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from tokcost.datasets.counting import ShardResult, count_shard, ensure_tokenizers
from tokcost.datasets.fields import FieldPath
from tokcost.datasets.readers import Shard


def run(shards: Sequence[Shard], path: FieldPath, names: tuple[str, ...], mode: str, *,
        jobs: int | None = None, scheduler: str | None = None) -> Iterator[ShardResult]:
    if not shards:
        return iter(())
    if scheduler:
        from tokcost.counting.cluster import run_on_cluster

        return run_on_cluster(scheduler, shards, path, names, mode)
    from tokcost.counting.engine import default_jobs

    workers = min(jobs or default_jobs(), len(shards))
    if workers <= 1 or any(s.path == "-" for s in shards):
        return (count_shard(s, path, names, mode) for s in shards)
    return _pool(shards, path, names, mode, workers)


def _pool(shards: Sequence[Shard], path: FieldPath, names: tuple[str, ...], mode: str,
          workers: int) -> Iterator[ShardResult]:
    """At most 2 x workers shards in flight, so results never pile up in memory."""
    import multiprocessing

    ensure_tokenizers(names)  # loaded once here; forked workers inherit them
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
        pending: collections.deque[Future] = collections.deque()
        for shard in shards:
            pending.append(pool.submit(count_shard, shard, path, names, mode))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
