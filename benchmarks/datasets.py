"""Datasets benchmark: one generated dataset counted locally and on a local 2-worker Dask cluster.

Not a test and never a CI gate. Generates `work/datasets/jsonl-<MB>/` (JSONL records of real corpus
text) and, with --parquet, the same records as Parquet, then runs in separate processes, each timed
and measured (peak RSS from os.wait4):
  local   python -m tokcost count DIR --field text --no-cache --format json [-j N]
  dask    the same with --scheduler, against `dask scheduler` + 2 `dask worker` processes
          (--nthreads 1 --no-nanny) started on 127.0.0.1 and torn down afterwards
and checks that both give identical totals (exit 1 if not). See benchmarks/README.md.

    TOKCOST_CACHE_DIR=/work/cache PYTHONPATH=. .venv/bin/python benchmarks/datasets.py --mb 50 --parquet
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work" / "datasets"
SOURCES = ("en-literature-brown.txt", "zh-news-peoplesdaily1998.txt", "code-python-stdlib.txt")
MB = 1_000_000


def cache_dir() -> Path:
    return Path(os.environ.get("TOKCOST_CACHE_DIR", Path.home() / ".cache" / "tokcost"))


def paragraphs() -> list[str]:
    """Runs of 1-12 consecutive lines of real text (English, Chinese, Python), as records' text."""
    per_source: list[list[str]] = []
    for name in SOURCES:
        lines = (cache_dir() / "corpora" / name).read_text(encoding="utf-8").splitlines(keepends=True)
        runs, i, step = [], 0, 1
        while i < len(lines):
            if "".join(lines[i:i + step]).strip():
                runs.append("".join(lines[i:i + step]))
            i, step = i + step, step % 12 + 1
        per_source.append(runs)
    longest = max(len(r) for r in per_source)
    return [r[i % len(r)] for i in range(longest) for r in per_source]  # the sources interleaved


def generate(mb: int, files: int) -> Path:
    """`files` JSONL files of {"id", "source", "text"} records, `mb` MB in all (reused when present)."""
    root = WORK / f"jsonl-{mb}mb"
    done = WORK / f"jsonl-{mb}mb.complete"
    if done.exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    texts = paragraphs()
    per_file = mb * MB // files
    n = 0
    for f in range(files):
        with (root / f"part-{f:03d}.jsonl").open("w", encoding="utf-8") as out:
            size = 0
            while size < per_file:
                line = json.dumps({"id": n, "source": "bench", "text": texts[n % len(texts)]}, ensure_ascii=False)
                size += len(line.encode("utf-8")) + 1
                out.write(line + "\n")
                n += 1
    done.write_text(str(n))
    return root


def to_parquet(jsonl: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = jsonl.with_name(jsonl.name.replace("jsonl", "parquet"))
    done = root.with_name(root.name + ".complete")
    if done.exists():
        return root
    root.mkdir(exist_ok=True)
    for part in sorted(jsonl.glob("*.jsonl")):
        rows = [json.loads(line) for line in part.open(encoding="utf-8")]
        pq.write_table(pa.Table.from_pylist(rows), root / part.with_suffix(".parquet").name, row_group_size=20_000)
    done.write_text("ok")
    return root


def cpu_times() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]


def hwm_mb(pid: int) -> int:
    """VmHWM, the process's own peak RSS since its exec (ru_maxrss would inherit this runner's)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*") if Path(f"/proc/{p}").exists() else []:
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                kids = []
            found.extend(kids)
            todo.extend(kids)
    return found


def measure(cmd: list[str], env: dict[str, str]) -> dict:
    """Wall time, peak RSS in MB (the command's own, and its largest worker process's, sampled every
    0.1 s from /proc), and the machine's busy share while `cmd` ran."""
    total0, idle0 = cpu_times()
    start = time.monotonic()
    peak, worker_peak = 0, 0
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        while proc.poll() is None:
            peak = max(peak, hwm_mb(proc.pid))
            worker_peak = max([worker_peak, *(hwm_mb(k) for k in descendants(proc.pid))])
            time.sleep(0.1)
        wall = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    total1, idle1 = cpu_times()
    busy = 1 - (idle1 - idle0) / max(1, total1 - total0)
    return {"cmd": " ".join(cmd[2:]), "seconds": round(wall, 2), "peak_rss_mb": peak,
            "local_worker_peak_rss_mb": worker_peak or None, "exit": proc.returncode,
            "machine_busy": round(busy, 2), "loadavg": Path("/proc/loadavg").read_text().split()[:3],
            "stdout": stdout, "stderr": stderr[-2000:]}


class Cluster:
    def __init__(self, env: dict[str, str]) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="tokcost-bench-dask-"))
        self.file, self.env, self.procs = self.tmp / "scheduler.json", env, []

    def __enter__(self) -> Cluster:
        py = sys.executable
        self.procs.append(subprocess.Popen([py, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                            "--port", "0", "--no-dashboard", "--scheduler-file", str(self.file)],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env))
        self._wait(lambda: self.file.exists())
        for _ in range(2):
            self.procs.append(subprocess.Popen([py, "-m", "distributed.cli.dask_worker", "--scheduler-file",
                                                str(self.file), "--host", "127.0.0.1", "--nthreads", "1",
                                                "--no-nanny", "--no-dashboard", "--memory-limit", "0"],
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env))
        from distributed import Client

        with Client(self.address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(2, timeout=120)
        return self

    @property
    def address(self) -> str:
        return json.loads(self.file.read_text())["address"]

    def _wait(self, ready) -> None:
        deadline = time.monotonic() + 120
        while not ready():
            if time.monotonic() > deadline:
                raise SystemExit("the Dask scheduler did not start")
            time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        self.worker_rss = [hwm_mb(p.pid) for p in self.procs[1:]]
        for proc in reversed(self.procs):
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def totals(result: dict) -> dict:
    report = json.loads(result.pop("stdout"))
    return {"totals": report["totals"], "records": sum(report["records"].values())}


def markdown(path: Path) -> str:
    """The results file as the table in benchmarks/datasets.md."""
    def cell(value: object) -> str:
        return "—" if value is None else str(value)

    lines = ["| when (UTC) | dataset | MB | records | tokens | run | wall s | MB/s | peak RSS MB: client | largest "
             "worker | machine busy | load avg (1/5/15 min) | identical |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for res in json.loads(path.read_text())["results"]:
        for run in res["runs"]:
            for kind in ("local", "dask"):
                r = run.get(kind)
                if not r:
                    continue
                workers = [w for w in (r.get("worker_peak_rss_mb") or [r.get("local_worker_peak_rss_mb")]) if w]
                mb = run["bytes"] / MB
                ok = {True: "yes", False: "NO"}.get(run.get("identical"), "—")
                lines.append(
                    f"| {res['date'][:16].replace('T', ' ')} | {run['dataset']} | {mb:,.0f} | {r['records']:,} | "
                    f"{r['totals'][0]['tokens']:,} | {'local -j 2' if kind == 'local' else 'Dask, 2 workers'} | "
                    f"{r['seconds']:.1f} | {mb / r['seconds']:.1f} | {cell(r['peak_rss_mb'])} | "
                    f"{cell(max(workers) if workers else None)} | {r['machine_busy']:.0%} | {'/'.join(r['loadavg'])} | {ok} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=50, help="dataset size in MB (default 50)")
    ap.add_argument("--files", type=int, default=4, help="JSONL files (default 4)")
    ap.add_argument("--parquet", action="store_true", help="also count the same records as Parquet")
    ap.add_argument("--jobs", type=int, default=2, help="local worker processes (default 2, like the cluster)")
    ap.add_argument("--tokenizer", default="o200k_base")
    ap.add_argument("--skip", default="", help="comma-separated: local,dask")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "datasets.json")
    ap.add_argument("--table", action="store_true", help="print the results file as a Markdown table and stop")
    args = ap.parse_args()
    if args.table:
        print(markdown(args.out))
        return 0
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false"}
    data = [generate(args.mb, args.files)]
    if args.parquet:
        data.append(to_parquet(data[0]))
    runs: list[dict] = []
    for root in data:
        base = [sys.executable, "-m", "tokcost", "count", str(root), "--field", "text", "-t", args.tokenizer,
                "--no-cache", "--format", "json"]
        size = sum(p.stat().st_size for p in root.iterdir())
        row = {"dataset": root.name, "bytes": size}
        if "local" not in args.skip:
            r = measure([*base, "-j", str(args.jobs)], env)
            row["local"] = {**totals(r), **r}
            print(f"{root.name} local: {r['seconds']} s, {r['peak_rss_mb']} MB (workers {r['local_worker_peak_rss_mb']} MB), "
                  f"busy {r['machine_busy']}", flush=True)
        if "dask" not in args.skip:
            with Cluster(env) as cluster:
                r = measure([*base, "--scheduler", cluster.address], env)
            row["dask"] = {**totals(r), **r, "worker_peak_rss_mb": cluster.worker_rss}
            print(f"{root.name} dask: {r['seconds']} s, client {r['peak_rss_mb']} MB, workers "
                  f"{cluster.worker_rss} MB, busy {r['machine_busy']}", flush=True)
        if "local" in row and "dask" in row:
            row["identical"] = row["local"]["totals"] == row["dask"]["totals"] and \
                row["local"]["records"] == row["dask"]["records"]
        runs.append(row)
    result = {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "runs": runs}
    old = json.loads(args.out.read_text()) if args.out.exists() else {"results": []}
    old["results"] = [*old.get("results", []), result]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(old, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps(runs, indent=1)[:3000])
    return 0 if all(r.get("identical", True) for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
