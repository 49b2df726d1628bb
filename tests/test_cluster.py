"""A real Dask cluster on 127.0.0.1: one scheduler and two worker processes (no mocks).

The dataset (several JSONL files and Parquet files, cut into many shards) counted on the cluster
must give exactly the local run's counts, record numbers and errors; a killed worker's shards are
recomputed by Dask; a cluster without workers fails with one line instead of hanging.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import distributed  # noqa: F401  (the test extra installs it: missing, the suite fails rather than skips)
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_run import run

START_SECONDS = 60


class Cluster:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.file = root / "scheduler.json"
        self.procs: dict[str, subprocess.Popen] = {}

    def _spawn(self, name: str, module: str, *args: str) -> None:
        log = (self.root / f"{name}.log").open("w")
        self.procs[name] = subprocess.Popen([sys.executable, "-m", module, *args], stdout=log, stderr=log,
                                            env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})

    def start(self) -> Cluster:
        self._spawn("scheduler", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                    "--no-dashboard", "--scheduler-file", str(self.file))
        self._until(self.file.exists, "the scheduler to write its address")
        for name in ("worker-a", "worker-b"):
            self._spawn(name, "distributed.cli.dask_worker", "--scheduler-file", str(self.file), "--host",
                        "127.0.0.1", "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", name,
                        "--death-timeout", "60")
        self._until(lambda: self.workers() == 2, "two workers to register")
        return self

    @property
    def address(self) -> str:
        return json.loads(self.file.read_text())["address"]

    def workers(self) -> int:
        from distributed import Client

        with Client(self.address, timeout="10s", set_as_default=False) as client:
            return len(client.scheduler_info()["workers"])

    def kill(self, name: str) -> None:
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait(10)

    def _until(self, ready, what: str) -> None:
        deadline = time.monotonic() + START_SECONDS
        while not ready():
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.procs.values()):
                logs = {n: (self.root / f"{n}.log").read_text()[-600:] for n in self.procs}
                pytest.fail(f"timed out waiting for {what}: {logs}")
            time.sleep(0.2)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@pytest.fixture()
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(tmp_path)
    try:
        yield c.start()
    finally:
        c.stop()


TEXT = ["Tokens cost money, 百万tokens只要1元. Record {i}.", "def f(x):\n    return x * {i}\n", "Ünïcödé — {i} ✓"]


@pytest.fixture()
def dataset(tmp_path: Path, monkeypatch) -> Path:
    """Three JSONL files and two Parquet files, cut into many shards; one malformed line."""
    root = tmp_path / "data"
    root.mkdir()
    for f in range(3):
        lines = [json.dumps({"id": i, "text": TEXT[i % 3].format(i=i * (f + 1))}, ensure_ascii=False)
                 for i in range(300)]
        if f == 1:
            lines[41] = '{"id": 41, "text": '  # cut off
        (root / f"part-{f}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for f in range(2):
        rows = [{"id": i, "text": TEXT[(i + f) % 3].format(i=i)} for i in range(400)]
        pq.write_table(pa.Table.from_pylist(rows), root / f"part-{f}.parquet", row_group_size=50)
    monkeypatch.setenv("TOKCOST_SHARD_BYTES", "4096")  # ~40 shards
    return root


def count_json(capsys, root: Path, *extra: str) -> tuple[int, dict, str]:
    code, out, err = run(capsys, "count", str(root), "--field", "text", "-t", "o200k_base", "-t", "cl100k_base",
                         "--no-cache", "--format", "json", *extra)
    report = json.loads(out)
    report.pop("counted_on")
    return code, report, err


def test_cluster_counts_equal_local_counts(cluster: Cluster, dataset: Path, capsys) -> None:
    local_code, local, local_err = count_json(capsys, dataset, "--jobs", "1")
    dask_code, remote, dask_err = count_json(capsys, dataset, "--scheduler", cluster.address)
    assert remote == local and dask_err == local_err
    assert local_code == dask_code == 1  # the malformed line, reported the same way
    assert local_err.strip() == f"tokcost: {dataset / 'part-1.jsonl'}: line 42: not valid JSON " \
                                "(Expecting value, column 20)"
    assert sum(local["records"].values()) == 3 * 300 - 1 + 2 * 400
    code, out, _ = run(capsys, "cost", str(dataset / "part-0.jsonl"), str(dataset / "part-0.parquet"), "--field",
                       "text", "-m", "gpt-4o", "--format", "json", "--scheduler", cluster.address)
    remote_cost = json.loads(out)
    code2, out, _ = run(capsys, "cost", str(dataset / "part-0.jsonl"), str(dataset / "part-0.parquet"), "--field",
                        "text", "-m", "gpt-4o", "--format", "json")
    assert code == code2 == 0 and remote_cost == json.loads(out) and remote_cost[0]["requests"] == 700


def test_killed_worker_loses_no_record_and_no_workers_fails_in_one_line(cluster: Cluster, dataset: Path,
                                                                        capsys, monkeypatch) -> None:
    import tokcost.counting.cluster as cluster_module

    _, local, _ = count_json(capsys, dataset, "--jobs", "1")
    results = cluster_module._results
    seen = []

    def kill_after_first_result(client, futures, address):  # a real SIGKILL, in the middle of the run
        for i, result in enumerate(results(client, futures, address)):
            if i == 0:
                seen.append(sum(f.status == "pending" for f in futures))
                cluster.kill("worker-a")
            yield result

    monkeypatch.setattr(cluster_module, "_results", kill_after_first_result)
    _, remote, _ = count_json(capsys, dataset, "--scheduler", cluster.address)
    assert seen and seen[0] > 0  # shards were still in flight when worker-a died
    assert remote == local  # its shards were recomputed on worker-b: nothing lost, nothing counted twice
    monkeypatch.setattr(cluster_module, "_results", results)
    cluster.kill("worker-b")
    monkeypatch.setenv("TOKCOST_DASK_NO_WORKER_SECONDS", "2")
    started = time.monotonic()
    code, out, err = run(capsys, "count", str(dataset), "--field", "text", "--no-cache",
                         "--scheduler", cluster.address)
    assert code == 1 and not out and time.monotonic() - started < 30
    assert len(err.strip().splitlines()) == 1
    assert "has had no worker for 2 s" in err and "shards not counted" in err


def test_unreachable_scheduler_is_one_line(capsys, tmp_path: Path, monkeypatch) -> None:
    import tokcost.counting.cluster as cluster_module

    monkeypatch.setattr(cluster_module, "CONNECT_SECONDS", 2)
    data = tmp_path / "d.jsonl"
    data.write_text('{"text": "x"}\n', encoding="utf-8")
    code, _, err = run(capsys, "count", str(data), "--field", "text", "--no-cache", "--scheduler", "tcp://127.0.0.1:9")
    assert code == 1 and err.strip().splitlines() == [
        "tokcost: cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 2 s (OSError); "
        "is `dask scheduler` running there?"]
