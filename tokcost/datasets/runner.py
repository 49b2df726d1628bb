"""Where shards are counted: in this process, a local process pool, or a Dask cluster.

Every runner yields each shard's result exactly once (order does not matter: merging sorts them).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from tokcost.counting.pool import WorkerDied, WorkerPool
from tokcost.datasets.counting import ShardResult, count_shard, ensure_tokenizers
from tokcost.datasets.fields import FieldPath
from tokcost.datasets.readers import Shard
from tokcost.errors import UsageError


def run(shards: Sequence[Shard], path: FieldPath, names: tuple[str, ...], mode: str, *,
        jobs: int | None = None, scheduler: str | None = None,
        templates: tuple[str, ...] = ()) -> Iterator[ShardResult]:
    if not shards:
        return iter(())
    if scheduler:
        from tokcost.counting.cluster import run_on_cluster

        if any(s.path == "-" for s in shards):
            raise UsageError("stdin cannot be counted on a cluster (workers read files); give a file")
        return run_on_cluster(scheduler, shards, path, names, mode, templates)
    from tokcost.counting.engine import default_jobs

    workers = min(jobs or default_jobs(), len(shards))
    if workers <= 1 or any(s.path == "-" for s in shards):
        return (count_shard(s, path, names, mode, templates) for s in shards)
    return _pool(shards, path, names, mode, workers, templates)


def _pool(shards: Sequence[Shard], path: FieldPath, names: tuple[str, ...], mode: str,
          workers: int, templates: tuple[str, ...]) -> Iterator[ShardResult]:
    """At most 2 x workers shards in flight, so results never pile up in memory.

    A worker that dies fails the run naming its shard's file; Ctrl-C kills the workers at once.
    """
    ensure_tokenizers(names)  # loaded once here; forked workers inherit them
    pool, ok = WorkerPool(workers), False
    try:
        yield from pool.map(_count_task, ((s, path, names, mode, templates) for s in shards), 2 * workers)
        ok = True
    except WorkerDied as exc:
        where = f"{exc.task[0].path}: " if exc.task else ""
        raise WorkerDied(f"{where}{exc}") from None
    finally:
        pool.close(kill=not ok)


def _count_task(task: tuple[Shard, FieldPath, tuple[str, ...], str, tuple[str, ...]]) -> ShardResult:
    return count_shard(*task)
