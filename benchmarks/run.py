"""tokcost benchmarks: raw tokenizer libraries, tokcost, ttok and tokencost, side by side.

Not a test and never a CI gate. Run with a Python that has tokcost's dependencies, e.g.
    TOKCOST_CACHE_DIR=/tmp/tcache PYTHONPATH=. /tmp/v/bin/python benchmarks/run.py --sizes 1,50 --rounds 3
(`bash benchmarks/setup.sh` first, for ttok and tokencost). See benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import datetime
import functools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
OTHERS = HERE / ".venv-others" / "bin"
TIKTOKEN_CACHE = WORK / "tiktoken-cache"
SRC = ROOT  # where the measured tokcost is imported from: main() points it at a snapshot of a commit
MB = 1_000_000
OTHERS_MAX_MB = 50  # ttok and tokencost read whole files into memory: only run them up to here
CACHE_MB = 50  # the cold/warm count-cache test runs on this English input
OTHERS_TOKENIZER, OTHERS_MODEL = "o200k_base", "gpt-4o"
RSS_TARGET_MB, WARM_TARGET, HELP_TARGET_S, OTHERS_TARGET = 400, 20, 0.3, 5
# issue 12: 1 GB o200k >= 4x the raw encode; 5,000 files >= 2.5x a plain Python loop; ttok >= 2.5x at
# 50 MB; a warm run within 1.5x (50 MB) and under 3x (5,000 files) of `tokcost --version`
BIG_MB, BIG_TARGET, FOLDER_TARGET, TTOK_TARGET, WARM_VERSION_TARGET, WARM_FOLDER_TARGET = 1000, 4.0, 2.5, 2.5, 1.5, 3.0
FOLDER_FILES, FOLDER_MB = 5000, 49
BIG_TOKENIZERS = ("o200k_base",)  # at 1 GB (other raw libraries take minutes per GB on one thread)
VERSION_LABEL = ["--version"]  # or --help where the measured tokcost has no --version
VARIANTS = ("raw", "tokcost-j1", "tokcost", "tokcost-ref", "ttok", "tokencost", "cache", "startup", "folder", "threads")
# engines.toml count_in_threads: each engine below, counting two 2 MB halves of English in two threads
# against one after the other (warm, best of 3); a listed engine should scale, an unlisted one not
SCALING = (("o200k_base", "fast"), ("o200k_base", "reference"), ("deepseek-v3", "fast"),
           ("deepseek-v3", "reference"), ("mistral-v3", "reference"))
SCALING_LISTED = 1.6
EN_SOURCES = ("en-literature-brown", "en-tech-debref")
ZH_SOURCE = "zh-news-peoplesdaily1998"


@dataclass
class Record:
    input: str
    mb: float
    tokenizer: str
    tool: str
    round: int
    wall_s: float
    rss_kib: int
    tokens: int | None = None
    encode_s: float | None = None  # raw library: time inside encode calls only
    load_s: float | None = None  # raw library: tokenizer load; tokencost: import
    other_cpu: float = 0.0  # share of the machine's CPU used by OTHER processes meanwhile (noise)
    date: str = ""
    commit: str = ""


# ---------------------------------------------------------------- inputs

def snapshot(rev: str) -> tuple[Path, str]:
    """tokcost's package as committed at `rev`, extracted under work/ (others edit the live tree)."""
    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run([*git, "rev-parse", rev], capture_output=True, text=True, check=True).stdout.strip()
    dest = WORK / f"src-{commit[:12]}"
    if not (dest / "tokcost").is_dir():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run([*git, "archive", commit, "tokcost"], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest, commit


def corpus_path(name: str) -> Path:
    from tokcost.paths import cache_dir

    return cache_dir() / "corpora" / f"{name}.txt"


def make_input(name: str, sources: tuple[str, ...], size_mb: int) -> Path:
    """Repeat real corpus text up to `size_mb` MB, cut after the last newline that fits."""
    path = WORK / f"{name}-{size_mb}mb.txt"
    if path.exists():
        return path
    base = b"".join(corpus_path(s).read_bytes().rstrip(b"\n") + b"\n" for s in sources)
    target, written = size_mb * MB, 0
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with tmp.open("wb") as out:
        while written + len(base) <= target:
            out.write(base)
            written += len(base)
        out.write(base[: base.rfind(b"\n", 0, target - written) + 1])
    tmp.replace(path)
    return path


def make_folder(files: int = FOLDER_FILES, size_mb: int = FOLDER_MB) -> Path:
    """`files` files of about equal size, `size_mb` MB in all, alternately Chinese and English text
    (consecutive slices of the corpora, each cut after a newline), in 50 sub-folders."""
    path = WORK / f"folder-{files}"
    if (path / ".complete").exists():
        return path
    shutil.rmtree(path, ignore_errors=True)
    sources = [b"".join(corpus_path(s).read_bytes() for s in EN_SOURCES), corpus_path(ZH_SOURCE).read_bytes()]
    offsets, each = [0, 0], size_mb * MB // files
    for i in range(files):
        kind = i % 2
        data, start = sources[kind], offsets[kind]
        if start + each >= len(data):
            start = 0
        end = data.find(b"\n", start + each) + 1 or len(data)
        offsets[kind] = end
        folder = path / f"d{i % 50:02}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i:05}-{'zh' if kind else 'en'}.txt").write_bytes(data[start:end])
    (path / ".complete").write_text("")
    return path


@functools.cache
def input_size(path: Path) -> int:
    """Bytes of a file, or of every file under a folder."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*.txt"))
    return path.stat().st_size


LOOP_SCRIPT = """
import json, os, sys, time
os.environ["TOKCOST_ENGINE"] = "reference"
from tokcost.tokenizers import get_tokenizer
encoding = get_tokenizer(sys.argv[2]).encoding  # tiktoken's Encoding, loaded from tokcost's pinned file
tokens = 0
for folder, dirs, files in os.walk(sys.argv[1]):
    dirs.sort()
    for name in sorted(files):
        if name.endswith(".txt"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                tokens += len(encoding.encode_ordinary(f.read()))
print(tokens)
"""


# ---------------------------------------------------------------- measuring

def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(SRC), TIKTOKEN_CACHE_DIR=str(TIKTOKEN_CACHE))
    env.pop("TOKCOST_ENGINE", None)
    env.update(extra)
    return env


def busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all processes, all cores), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # less idle and iowait


QUIET_WAIT_S = [30.0]  # --quiet-wait


def wait_quiet(limit_s: float | None = None) -> None:
    """Wait (at most `limit_s`) until other processes use less than 15% of the machine, over 1 s."""
    deadline = time.monotonic() + (QUIET_WAIT_S[0] if limit_s is None else limit_s)
    while time.monotonic() < deadline:
        before = busy_seconds()
        time.sleep(1.0)
        if busy_seconds() - before < 0.15 * CORES:
            return
    print("(machine still busy with other processes; measuring anyway)", file=sys.stderr)


CORES = len(os.sched_getaffinity(0))


def run_proc(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str, float]:
    """Wall time, peak RSS (KiB; largest of the process and its reaped children), stdout, and the
    share of the machine that other processes used meanwhile."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        busy, start = busy_seconds(), time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=WORK)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        other = max(0.0, busy_seconds() - busy - usage.ru_utime - usage.ru_stime) / (wall * CORES)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        if proc.returncode:
            raise RuntimeError(f"{cmd} failed ({proc.returncode}): {err.read().decode()[-2000:]}")
        return wall, usage.ru_maxrss, out.read().decode(), other


def raw_worker(name: str, path: str) -> None:
    """In its own process: load one tokenizer with its own library and count `path` on tokcost's chunks."""
    os.environ["TOKCOST_ENGINE"] = "reference"
    from tokcost.counting.cuts import rechunk
    from tokcost.counting.engine import CHUNK_CHARS
    from tokcost.tokenizers import get_tokenizer, tokenizer_spec
    from tokcost.tokenizers.assets import asset_path

    spec = tokenizer_spec(name)
    start = time.perf_counter()
    if spec.library == "tiktoken":
        encoding = get_tokenizer(name).encoding
        count = lambda chunk, first: len(encoding.encode_ordinary(chunk))
    elif spec.library == "tokenizers":
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(asset_path(spec.asset)))
        tok.encode_special_tokens = True  # as tokcost: `<|...|>` in a file is text
        count = lambda chunk, first: len(tok.encode(chunk, add_special_tokens=False))
    else:
        import sentencepiece

        sp = sentencepiece.SentencePieceProcessor(model_file=str(asset_path(spec.asset)))
        newline, dummy = len(sp.encode("\n")), sp.encode("a", out_type=str)[0].startswith("\u2581")

        def count(chunk: str, first: bool) -> int:  # a later chunk in its context, as tokcost does
            if first:
                return len(sp.encode(chunk))
            if chunk.startswith(" "):
                return len(sp.encode(chunk[1:] if dummy else chunk))
            return len(sp.encode("\n" + chunk)) - newline
    load_s = time.perf_counter() - start
    encode_s, tokens = 0.0, 0
    with open(path, encoding="utf-8", newline="") as stream:
        blocks = iter(lambda: stream.read(1 << 20), "")
        for i, chunk in enumerate(rechunk(blocks, spec.chunking, CHUNK_CHARS)):
            start = time.perf_counter()
            tokens += count(chunk, i == 0)
            encode_s += time.perf_counter() - start
    print(json.dumps({"tokens": tokens, "encode_s": encode_s, "load_s": load_s}))


def scale_worker(name: str, engine: str, threads: str, path: str) -> None:
    """In its own process: count two halves of `path`'s first 4 MiB with `name` (`engine`: fast or
    reference), in `threads` threads (1: one after the other), once to warm up, then three times;
    print the fastest time of the counting alone."""
    import threading

    if engine == "reference":
        os.environ["TOKCOST_ENGINE"] = "reference"
    from tokcost.tokenizers import get_tokenizer

    with open(path, "rb") as stream:
        text = stream.read(4 << 20).decode("utf-8", "ignore")
    half = text.rfind("\n", 0, len(text) // 2) + 1
    halves, counts = [text[:half], text[half:]], [0, 0]
    backend = get_tokenizer(name)
    backend.prepare(True)

    def count(i: int) -> None:
        counts[i] = backend.count(halves[i])

    def both() -> float:
        start = time.perf_counter()
        workers = [threading.Thread(target=count, args=(i,)) for i in (0, 1)]
        for w in workers:
            w.start()
            if threads == "1":
                w.join()
        for w in workers:
            w.join()
        return time.perf_counter() - start

    best = min(both() for _ in range(4)[1:]) if both() >= 0 else 0.0
    print(json.dumps({"tokens": sum(counts), "encode_s": best, "load_s": 0.0, "engine": backend.engine}))


TOKENCOST_SCRIPT = """
import json, sys, time
t0 = time.perf_counter()
from tokencost import count_string_tokens
t1 = time.perf_counter()
text = open(sys.argv[1], encoding="utf-8").read()
t2 = time.perf_counter()
n = count_string_tokens(text, sys.argv[2])
t3 = time.perf_counter()
print(json.dumps({"tokens": n, "load_s": t1 - t0, "encode_s": t3 - t2}))
"""
IMPORT_SCRIPT = "import time; t = time.perf_counter(); import tokcost; print(time.perf_counter() - t)"


class Bench:
    def __init__(self, date: str, commit: str) -> None:
        self.records: list[Record] = []
        self.date, self.commit = date, commit
        self.py = sys.executable
        self.big_tokenizers = BIG_TOKENIZERS

    def add(self, path: Path | None, tokenizer: str, tool: str, rnd: int, cmd: list[str],
            env: dict[str, str], parse: str = "") -> Record:
        if path is not None:
            wait_quiet()
        wall, rss, out, other = run_proc(cmd, env)
        rec = Record(path.name if path else "-", round(input_size(path) / MB, 3) if path else 0.0,
                     tokenizer, tool, rnd, wall, rss, other_cpu=round(other, 3), date=self.date,
                     commit=self.commit)
        if parse == "tokcost":
            rec.tokens = json.loads(out)["totals"][0]["tokens"]
        elif parse == "json":
            data = json.loads(out)
            rec.tokens, rec.encode_s, rec.load_s = data["tokens"], data["encode_s"], data["load_s"]
        elif parse == "int":
            rec.tokens = int(out.split()[0])
        elif parse == "float":
            rec.encode_s = float(out)
        self.records.append(rec)
        extra = f" tokens={rec.tokens}" if rec.tokens is not None else ""
        extra += f" encode={rec.encode_s:.2f}s" if rec.encode_s is not None else ""
        print(f"[r{rnd}] {rec.input:>16} {tokenizer:>12} {tool:<12} {wall:7.2f}s "
              f"{rss / 1024:7.0f} MB{extra} others={other:.0%}", file=sys.stderr, flush=True)
        return rec

    def tokcost(self, path: Path, name: str, tool: str, rnd: int) -> None:
        cmd = [self.py, "-m", "tokcost", "count", str(path), "-t", name, "--no-cache", "--format", "json"]
        cmd += ["--jobs", "1"] if tool == "tokcost-j1" else []
        env = child_env(TOKCOST_ENGINE="reference") if tool == "tokcost-ref" else child_env()
        self.add(path, name, tool, rnd, cmd, env, "tokcost")

    def version_args(self) -> list[str]:
        """`--version` where this tokcost has it (else `--help`, as cheap: start-up and argument parsing)."""
        if not hasattr(self, "_version_args"):
            proc = subprocess.run([self.py, "-m", "tokcost", "--version"], env=child_env(), capture_output=True)
            self._version_args = ["--version"] if proc.returncode == 0 else ["--help"]
            VERSION_LABEL[0] = self._version_args[0]
        return self._version_args

    def folder(self, rnd: int) -> None:
        """The 5,000-file folder: tokcost cold (--no-cache), a plain Python loop, then warm runs."""
        folder, name = make_folder(), OTHERS_TOKENIZER
        cmd = [self.py, "-m", "tokcost", "count", str(folder), "-t", name, "--format", "json"]
        self.add(folder, name, "tokcost", rnd, [*cmd, "--no-cache"], child_env(), "tokcost")
        self.add(folder, name, "loop", rnd, [self.py, "-c", LOOP_SCRIPT, str(folder), name], child_env(), "int")
        cache = Path(tempfile.mkdtemp(prefix="count-cache-", dir=WORK))
        env = child_env(TOKCOST_COUNT_CACHE_DIR=str(cache))
        self.add(folder, name, "cache-cold", rnd, cmd, env, "tokcost")
        for _ in range(3):  # warm runs, each beside a `--version` in the same conditions
            self.add(folder, name, "cache-warm", rnd, cmd, env, "tokcost")
            self.add(None, "-", "version", rnd, [self.py, "-m", "tokcost", *self.version_args()], child_env())
        shutil.rmtree(cache)

    def round(self, rnd: int, inputs: list[Path], tokenizers: list[str], variants: set[str]) -> None:
        for path in inputs:
            big = path.stat().st_size >= BIG_MB * MB * 0.99
            for name in tokenizers if not big else [t for t in tokenizers if t in self.big_tokenizers]:
                if "raw" in variants:
                    self.add(path, name, "raw", rnd, [self.py, __file__, "--raw-worker", name, str(path)],
                             child_env(), "json")
                for tool in ("tokcost-j1", "tokcost", "tokcost-ref"):
                    if tool in variants and (tool == "tokcost" or not big):
                        self.tokcost(path, name, tool, rnd)
            mb = path.stat().st_size / MB
            if path.name.startswith("en-") and mb <= OTHERS_MAX_MB * 1.01:
                if "ttok" in variants:
                    self.add(path, OTHERS_TOKENIZER, "ttok", rnd,
                             [str(OTHERS / "ttok"), "-i", str(path), "-m", OTHERS_MODEL], child_env(), "int")
                if "tokencost" in variants:
                    self.add(path, OTHERS_TOKENIZER, "tokencost", rnd,
                             [str(OTHERS / "python"), "-c", TOKENCOST_SCRIPT, str(path), OTHERS_MODEL],
                             child_env(), "json")
            if "cache" in variants and path.name == f"en-{CACHE_MB}mb.txt":
                cache = Path(tempfile.mkdtemp(prefix="count-cache-", dir=WORK))
                cmd = [self.py, "-m", "tokcost", "count", str(path), "-t", OTHERS_TOKENIZER, "--format", "json"]
                env = child_env(TOKCOST_COUNT_CACHE_DIR=str(cache))
                self.add(path, OTHERS_TOKENIZER, "cache-cold", rnd, cmd, env, "tokcost")
                for _ in range(3):  # warm runs, each beside a `--version` in the same conditions
                    self.add(path, OTHERS_TOKENIZER, "cache-warm", rnd, cmd, env, "tokcost")
                    self.add(None, "-", "version", rnd, [self.py, "-m", "tokcost", *self.version_args()],
                             child_env())
                shutil.rmtree(cache)
        if "folder" in variants:
            self.folder(rnd)
        if "threads" in variants:
            english = min((p for p in inputs if p.name.startswith("en-")), key=lambda p: (p.stat().st_size < 4 << 20,
                                                                                         p.stat().st_size))
            for name, engine in SCALING:
                for threads in ("1", "2"):
                    self.add(english, name, f"scale-{engine}-{threads}", rnd,
                             [self.py, __file__, "--scale-worker", name, engine, threads, str(english)],
                             child_env(), "json")
        if "startup" in variants:
            for _ in range(5):
                self.add(None, "-", "version", rnd, [self.py, "-m", "tokcost", *self.version_args()], child_env())
                self.add(None, "-", "help", rnd, [self.py, "-m", "tokcost", "--help"], child_env())
                self.add(None, "-", "import", rnd, [self.py, "-c", IMPORT_SCRIPT], child_env(), "float")


# ---------------------------------------------------------------- reporting

def machine() -> dict:
    from importlib.metadata import version

    import tokcost

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    libs = {p: version(p) for p in ("tiktoken", "tokenizers", "sentencepiece", "quicktok-v1", "kitoken")}
    others = {}
    if (OTHERS / "python").exists():
        code = "import json; from importlib.metadata import version as v; " \
               "print(json.dumps({p: v(p) for p in ('ttok', 'tokencost', 'tiktoken')}))"
        others = json.loads(subprocess.run([str(OTHERS / "python"), "-c", code], capture_output=True,
                                           text=True, check=True).stdout)
    return {"nproc": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)), "cpu": cpu,
            "python": platform.python_version(), "tokcost": tokcost.__version__, "libraries": libs,
            "others_venv": others, "platform": platform.platform()}


def median(records: list[Record], field: str) -> float | None:
    values = [getattr(r, field) for r in records if getattr(r, field) is not None]
    return statistics.median(values) if values else None


def verdict(value: float | None, target: float, higher: bool = True) -> str:
    if value is None:
        return "—"
    return "PASS" if (value >= target if higher else value < target) else "MISS"


def summarize(records: list[Record], info: dict) -> tuple[str, list[str]]:
    """The Markdown tables, and any count mismatches."""
    from tokcost.tokenizers import tokenizer_spec

    groups: dict[tuple[str, str, str], list[Record]] = {}
    for r in records:
        groups.setdefault((r.input, r.tokenizer, r.tool), []).append(r)
    get = lambda i, t, tool: groups.get((i, t, tool), [])
    cores = info["cpus_usable"]
    folders = sorted({r.input for r in records if r.input.startswith("folder-")})
    inputs = sorted({r.input for r in records if r.input != "-" and r.input not in folders},
                    key=lambda i: (i[:2], float(i[3:-6])))
    mismatches: list[str] = []
    fmt = lambda v, spec=".2f": "—" if v is None else format(v, spec)
    commits = ", ".join(sorted({r.commit[:12] for r in records}))
    lines = [(f"Machine: {cores} cores ({info['cpu']}), Python {info['python']}; tokcost at {commits}. Rounds "
             "are interleaved, figures are medians (peak RSS: the largest over rounds). MB = 10^6 bytes. "
             "*others' CPU*: the largest share of the machine other processes used during a measurement."
             + (f" Load average (1/5/15 min, `uptime`) at the start of the run {info['load_average']['start']}, at "
                f"the end {info['load_average']['end']}." if "load_average" in info else "")), "",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in info["libraries"].items())
             + "; others' venv: " + ", ".join(f"{k} {v}" for k, v in info["others_venv"].items()) + ".", "",
             "### Throughput: tokcost whole process vs the raw library in one thread", "",
             ("| input | tokenizer | raw load s | raw encode s | raw MB/s | tokcost -j1 s | tokcost s (all cores) "
             "| tokcost MB/s | ratio tokcost/raw | target | | reference-engine tokcost s | tokcost peak RSS MB "
             "| others' CPU | tokens |"), "|" + "---|" * 15]
    for inp in inputs:
        for name in sorted({r.tokenizer for r in records if r.input == inp and r.tool in ("raw", "tokcost")}):
            raw, tc = get(inp, name, "raw"), get(inp, name, "tokcost")
            mb = (raw or tc or get(inp, name, "tokcost-j1"))[0].mb
            enc_s, wall = median(raw, "encode_s"), median(tc, "wall_s")
            ratio = (enc_s / wall) if enc_s and wall else None
            library = tokenizer_spec(name).library
            target = 0.9 * cores if library == "tiktoken" else 3.0 if library == "tokenizers" else None
            if name == OTHERS_TOKENIZER and mb >= BIG_MB * 0.99:
                target = BIG_TARGET  # issue 12: where fixed costs vanish
            counts = {r.tokens for tool in ("raw", "tokcost", "tokcost-j1", "tokcost-ref")
                      for r in get(inp, name, tool)}
            if len(counts) > 1:
                mismatches.append(f"{inp} {name}: counts differ {sorted(counts)}")
            rss = max((r.rss_kib for r in tc), default=None)
            noise = max(r.other_cpu for tool in ("raw", "tokcost") for r in get(inp, name, tool))
            lines.append(
                f"| {inp} | {name} | {fmt(median(raw, 'load_s'))} | {fmt(enc_s)} | "
                f"{fmt(mb / enc_s if enc_s else None, '.1f')} | {fmt(median(get(inp, name, 'tokcost-j1'), 'wall_s'))} "
                f"| {fmt(wall)} | {fmt(mb / wall if wall else None, '.1f')} | {fmt(ratio) + '×' if ratio else '—'} | "
                f"{'—' if target is None else f'≥ {target:.1f}×'} | "
                f"{'—' if target is None else verdict(ratio, target)} | "
                f"{fmt(median(get(inp, name, 'tokcost-ref'), 'wall_s'))} | {fmt(rss and rss / 1024, '.0f')} | {noise:.0%} | "
                f"{'MISMATCH ' if len(counts) > 1 else ''}{', '.join(map(str, sorted(c for c in counts if c is not None)))} |")

    lines += ["", f"### tokcost vs ttok and tokencost ({OTHERS_TOKENIZER}, model {OTHERS_MODEL}), whole process", "",
              ("| input | tool | wall s | peak RSS MB | call alone s | import s | tokens | tokcost s | "
              "tool/tokcost | target (50 MB) | |"), "|" + "---|" * 11]
    for inp in inputs:
        for tool in ("ttok", "tokencost"):
            recs = get(inp, OTHERS_TOKENIZER, tool)
            if not recs:
                continue
            tc = median(get(inp, OTHERS_TOKENIZER, "tokcost"), "wall_s")
            wall = median(recs, "wall_s")
            ratio = wall / tc if tc else None
            mine = {r.tokens for r in get(inp, OTHERS_TOKENIZER, "tokcost") + get(inp, OTHERS_TOKENIZER, "raw")}
            theirs = {r.tokens for r in recs}
            same = theirs == mine or not mine
            if not same:
                mismatches.append(f"{inp} {tool}: {sorted(theirs)} vs tokcost {sorted(mine)}")
            big = recs[0].mb >= OTHERS_MAX_MB * 0.99
            lines.append(f"| {inp} | {tool} | {fmt(wall)} | {max(r.rss_kib for r in recs) / 1024:.0f} | "
                         f"{fmt(median(recs, 'encode_s'))} | {fmt(median(recs, 'load_s'))} | "
                         f"{'' if same else 'MISMATCH '}{', '.join(map(str, sorted(theirs)))} | {fmt(tc)} | "
                         f"{fmt(ratio)}× | {f'≥ {OTHERS_TARGET}×' if big else '—'} | "
                         f"{verdict(ratio, OTHERS_TARGET) if big else '—'} |")

    lines += ["", "### Other targets", "", "| what | value | target | |", "|---|---|---|---|"]
    for inp in inputs:
        if inp.startswith("en-") and float(inp[3:-6]) >= 1000:
            for name in sorted({r.tokenizer for r in records if r.input == inp}):
                for tool in ("tokcost", "tokcost-j1", "tokcost-ref"):
                    if recs := get(inp, name, tool):
                        rss = max(r.rss_kib for r in recs) / 1024
                        lines.append(f"| peak RSS, {tool} {name}, {inp} | {rss:.0f} MB | < {RSS_TARGET_MB} MB | "
                                     f"{verdict(rss, RSS_TARGET_MB, higher=False)} |")
        cold, warm = get(inp, OTHERS_TOKENIZER, "cache-cold"), get(inp, OTHERS_TOKENIZER, "cache-warm")
        if cold and warm:
            c, w = median(cold, "wall_s"), median(warm, "wall_s")
            lines.append(f"| count cache, {inp} {OTHERS_TOKENIZER}: cold {c:.2f} s, warm {w:.3f} s | "
                         f"{c / w:.1f}× | ≥ {WARM_TARGET}× | {verdict(c / w, WARM_TARGET)} |")
            if {r.tokens for r in cold + warm} != {r.tokens for r in get(inp, OTHERS_TOKENIZER, "tokcost")}:
                mismatches.append(f"{inp}: cached counts differ from uncached ones")
    version = median(get("-", "-", "version"), "wall_s")
    for inp in inputs:
        warm = median(get(inp, OTHERS_TOKENIZER, "cache-warm"), "wall_s")
        if warm and version:
            lines.append(f"| warm run (unchanged, cached), {inp}: {warm:.3f} s vs `tokcost {info.get('version_command', '--version')}` "
                         f"{version:.3f} s | {warm / version:.2f}× | ≤ {WARM_VERSION_TARGET}× | "
                         f"{verdict(warm / version, WARM_VERSION_TARGET * 1.0001, higher=False)} |")
        ttok = median(get(inp, OTHERS_TOKENIZER, "ttok"), "wall_s")
        tc = median(get(inp, OTHERS_TOKENIZER, "tokcost"), "wall_s")
        if ttok and tc and inp.startswith("en-") and float(inp[3:-6]) >= OTHERS_MAX_MB * 0.99:
            lines.append(f"| ttok / tokcost, {inp} (issue 12) | {ttok / tc:.2f}× | ≥ {TTOK_TARGET}× | "
                         f"{verdict(ttok / tc, TTOK_TARGET)} |")
    for inp in folders:
        recs, loop = get(inp, OTHERS_TOKENIZER, "tokcost"), get(inp, OTHERS_TOKENIZER, "loop")
        tc, lp = median(recs, "wall_s"), median(loop, "wall_s")
        mb = (recs or loop)[0].mb
        counts = {r.tokens for tool in ("tokcost", "loop", "cache-cold", "cache-warm")
                  for r in get(inp, OTHERS_TOKENIZER, tool)}
        if len(counts) > 1:
            mismatches.append(f"{inp}: counts differ {sorted(counts)}")
        noise = max((r.other_cpu for r in recs + loop), default=0.0)
        if tc and lp:
            lines.append(f"| {inp} ({mb:.0f} MB zh/en), {OTHERS_TOKENIZER}: tokcost {tc:.2f} s vs a plain Python "
                         f"loop (tiktoken `encode_ordinary` per file) {lp:.2f} s; others' CPU {noise:.0%} | "
                         f"{lp / tc:.2f}× | ≥ {FOLDER_TARGET}× | {verdict(lp / tc, FOLDER_TARGET)} |")
        warm = median(get(inp, OTHERS_TOKENIZER, "cache-warm"), "wall_s")
        if warm and version:
            lines.append(f"| warm run, {inp}: {warm:.3f} s vs `tokcost {info.get('version_command', '--version')}` {version:.3f} s | "
                         f"{warm / version:.2f}× | < {WARM_FOLDER_TARGET}× | "
                         f"{verdict(warm / version, WARM_FOLDER_TARGET, higher=False)} |")
    if helps := get("-", "-", "help"):
        h = median(helps, "wall_s")
        lines.append(f"| `python -m tokcost --help` wall (median of {len(helps)}) | {h:.3f} s | "
                     f"< {HELP_TARGET_S} s | {verdict(h, HELP_TARGET_S, higher=False)} |")
    if imports := get("-", "-", "import"):
        lines.append(f"| `import tokcost` (in-process, median of {len(imports)}) | "
                     f"{median(imports, 'encode_s'):.3f} s | — | — |")
    lines += _scaling_table(get, records)
    if mismatches:
        lines += ["", "**MISMATCH:** " + "; ".join(mismatches)]
    return "\n".join(lines) + "\n", mismatches


def _scaling_table(get, records: list[Record]) -> list[str]:
    from tokcost.tokenizers.registry import counts_in_threads

    inputs = sorted({r.input for r in records if r.tool.startswith("scale-")})
    if not inputs:
        return []
    lines = ["", "### Threads: two 2 MB halves of English counted in two threads vs one after the other", "",
             "| tokenizer | engine | 1 thread s | 2 threads s | speed-up | counted in threads (engines.toml) | |",
             "|---|---|---|---|---|---|---|"]
    for name, engine in SCALING:
        one, two = (median(get(inputs[0], name, f"scale-{engine}-{n}"), "encode_s") for n in (1, 2))
        if not one or not two:
            continue
        listed = counts_in_threads(name, engine == "fast")
        fits = (one / two >= SCALING_LISTED) == listed
        lines.append(f"| {name} | {engine} | {one:.3f} | {two:.3f} | {one / two:.2f}× | {'yes' if listed else 'no'} "
                     f"| {'consistent' if fits else 'CHECK engines.toml'} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,50,1000", help="English input sizes in MB (default 1,50,1000)")
    parser.add_argument("--zh-mb", type=int, default=20, help="Chinese input size in MB, 0 for none")
    parser.add_argument("--tokenizers", default="o200k_base,cl100k_base,deepseek-v3,mistral-v3")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quiet-wait", type=float, default=30.0,
                        help="wait at most this many seconds for a quiet machine before each measurement")
    parser.add_argument("--big-tokenizers", default=",".join(BIG_TOKENIZERS),
                        help=f"tokenizers measured at {BIG_MB} MB and more (default {','.join(BIG_TOKENIZERS)})")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"any of {','.join(VARIANTS)}")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--src", default="HEAD",
                        help="measure tokcost as committed at this git revision (default HEAD), or `live`")
    parser.add_argument("--merge", action="store_true",
                        help="keep the records of latest.json that this run does not measure again")
    parser.add_argument("--report", action="store_true", help="only rebuild latest.md from latest.json")
    parser.add_argument("--threads-only", action="store_true",
                        help="only measure how each engine scales on two threads (--variants threads --sizes 1)")
    parser.add_argument("--raw-worker", nargs=2, metavar=("TOKENIZER", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--scale-worker", nargs=4, metavar=("TOKENIZER", "ENGINE", "THREADS", "FILE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw_worker:
        raw_worker(*args.raw_worker)
        return 0
    if args.scale_worker:
        scale_worker(*args.scale_worker)
        return 0
    if args.threads_only:
        args.variants, args.sizes, args.zh_mb, args.merge = "threads", "50", 0, True
    latest = args.out / "latest.json"
    if args.report:
        sys.path.insert(0, str(ROOT))
        data = json.loads(latest.read_text())
        return write_results(args.out, [Record(**r) for r in data["records"]], data["machine"])
    global SRC
    SRC, commit = (ROOT, "live working tree") if args.src == "live" else snapshot(args.src)
    sys.path.insert(0, str(SRC))
    variants = set(args.variants.split(","))
    if unknown := variants - set(VARIANTS):
        parser.error(f"unknown variants {sorted(unknown)}")
    if variants & {"ttok", "tokencost"} and not (OTHERS / "ttok").exists():
        parser.error("run `bash benchmarks/setup.sh` first (or leave out ttok,tokencost)")
    tokenizers = args.tokenizers.split(",")
    inputs = [make_input("en", EN_SOURCES, int(s)) for s in args.sizes.split(",")]
    inputs += [make_input("zh", (ZH_SOURCE,), args.zh_mb)] if args.zh_mb else []

    date = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    bench, started = Bench(date, commit), time.perf_counter()
    bench.big_tokenizers = tuple(args.big_tokenizers.split(","))
    QUIET_WAIT_S[0] = args.quiet_wait
    load_start = os.getloadavg()
    for rnd in range(1, args.rounds + 1):
        bench.round(rnd, inputs, tokenizers, variants)
    records = bench.records
    if args.merge and latest.exists():
        fresh = {(r.input, r.tokenizer, r.tool) for r in records}
        kept = [Record(**r) for r in json.loads(latest.read_text())["records"]]
        records = [r for r in kept if (r.input, r.tokenizer, r.tool) not in fresh] + records
    print(f"(this run: {time.perf_counter() - started:.0f} s)", file=sys.stderr)
    info = {**machine(), "version_command": VERSION_LABEL[0],
            "load_average": {"start": [round(v, 2) for v in load_start],
                             "end": [round(v, 2) for v in os.getloadavg()]}}
    return write_results(args.out, records, info)


def write_results(out: Path, records: list[Record], info: dict) -> int:
    """Write latest.json and latest.md, print the Markdown; 1 if any token count disagreed."""
    table, mismatches = summarize(records, info)
    dates = sorted({r.date for r in records})
    markdown = f"## Results ({dates[0]}{' to ' + dates[-1] if len(dates) > 1 else ''})\n\n{table}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps({"machine": info, "records": [asdict(r) for r in records]}, indent=1) + "\n")
    (out / "latest.md").write_text(markdown)
    print(markdown)
    for m in mismatches:
        print(f"!!! MISMATCH: {m}", file=sys.stderr)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
