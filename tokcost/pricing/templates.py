"""Open-weight vendors' chat templates (tokcost/data/templates.toml), rendered and counted exactly.

Mistral's framing has no jinja template: it is encoded by tokcost.pricing.mistral_chat, as
mistral-common's instruct tokenizers do (entries with `instruct`).

The template is the vendor's own `chat_template` from its tokenizer_config.json, pinned as an asset.
Rendering follows transformers' `apply_chat_template`: a sandboxed jinja2 environment with
`trim_blocks`, `lstrip_blocks` and the `loopcontrols` extension, a `tojson` filter that keeps
non-ASCII text, `raise_exception` and `strftime_now`, and `add_generation_prompt=True` (the request
ends where the reply starts). transformers itself is not imported: only jinja2 is needed.

The rendering is counted as the vendor's tokenizer would: the text is split on the added (special)
tokens the tokenizer knows (`added_tokens_decoder` of the config, and a tokenizer.json's
`added_tokens`), each of which is one token, and the text between them is counted as ordinary text.
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from tokcost.errors import DataError, TokcostError
from tokcost.paths import data_text

_REQUIRED = {"tokenizer", "models", "vendor"}
_FILE_KEYS = {"file", "specials", "bos_token"}
_SHAPES = (_REQUIRED | {"asset"}, _REQUIRED | _FILE_KEYS, _REQUIRED | {"instruct"})
INSTRUCT_VERSIONS = ("v1", "v3")  # tokcost.pricing.mistral_chat


@dataclass(frozen=True)
class TemplateSpec:
    name: str
    asset: str  # a pinned tokenizer_config.json, or "" for a template file in tokcost/data/templates/
    tokenizer: str
    models: tuple[str, ...]
    vendor: str
    file: str = ""
    specials: tuple[str, ...] = ()
    bos_token: str = ""
    instruct: str = ""  # Mistral: the mistral-common instruct tokenizer version that frames it


@cache
def template_specs() -> dict[str, TemplateSpec]:
    text = data_text("templates.toml")
    specs = {}
    for name, raw in tomllib.loads(text)["template"].items():
        keys = set(raw)
        if keys not in _SHAPES:
            raise DataError(f"templates.toml [template.{name}]: keys must be one of "
                            f"{' or '.join(str(sorted(s)) for s in _SHAPES)}, not {sorted(keys)}")
        if raw.get("instruct", "v1") not in INSTRUCT_VERSIONS:
            raise DataError(f"templates.toml [template.{name}]: instruct must be one of {', '.join(INSTRUCT_VERSIONS)}")
        specs[name] = TemplateSpec(name, raw.get("asset", ""), raw["tokenizer"], tuple(raw["models"]), raw["vendor"],
                                   raw.get("file", ""), tuple(raw.get("specials", ())), raw.get("bos_token", ""),
                                   raw.get("instruct", ""))
    return specs


def template_for(model_id: str, tokenizer: str) -> TemplateSpec | None:
    """The template whose longest model prefix matches, if it is counted with `tokenizer`."""
    best: tuple[int, TemplateSpec] | None = None
    for spec in template_specs().values():
        for prefix in spec.models:
            if model_id.startswith(prefix) and spec.tokenizer == tokenizer and (best is None or len(prefix) > best[0]):
                best = (len(prefix), spec)
    return best[1] if best else None


def template_source(name: str) -> str:
    return _load(name).source


def renders_tools(name: str) -> bool:
    """Whether the framing puts the request's tool schemas into the prompt (so they are counted exactly)."""
    spec = template_specs()[name]
    if spec.instruct:
        return spec.instruct != "v1"
    return "tools" in template_source(name)


@dataclass(frozen=True)
class _Loaded:
    template: Any  # a compiled jinja2 template
    source: str
    specials: re.Pattern[str] | None
    context: dict[str, Any]


@cache
def _load(name: str) -> _Loaded:
    from tokcost.tokenizers.assets import asset_path

    spec = template_specs()[name]
    if spec.file:
        source = data_text(f"templates/{spec.file}")
        config = {"bos_token": spec.bos_token, "added_tokens_decoder": {str(i): {"content": t}
                                                                        for i, t in enumerate(spec.specials)}}
    else:
        config = json.loads(asset_path(spec.asset).read_text("utf-8"))
        source = config.get("chat_template")
    if isinstance(source, list):  # named templates: the default one
        source = next((t["template"] for t in source if t.get("name") == "default"), None)
    if not isinstance(source, str):
        raise DataError(f"{spec.asset}: no chat_template in its tokenizer_config.json")
    words = set(_added_tokens(config)) | _tokenizer_added(spec.tokenizer)
    specials = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))) if words else None
    context = {k: _token_text(config.get(k)) or "" for k in ("bos_token", "eos_token", "pad_token", "unk_token")}
    return _Loaded(_environment().from_string(source), source, specials, context)


def _token_text(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("content")
    return value if isinstance(value, str) else None


def _added_tokens(config: dict[str, Any]) -> list[str]:
    return [t["content"] for t in (config.get("added_tokens_decoder") or {}).values() if t.get("content")]


def _tokenizer_added(tokenizer: str) -> set[str]:
    """Added tokens of a tokenizer.json asset (HF tokenizers match them in any text)."""
    from tokcost.tokenizers import tokenizer_spec
    from tokcost.tokenizers.assets import asset_path

    spec = tokenizer_spec(tokenizer)
    if spec.format != "hf-json":
        return set()
    data = json.loads(asset_path(spec.asset).read_text("utf-8"))
    return {t["content"] for t in data.get("added_tokens", []) if t.get("content")}


def _environment() -> Any:
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise TokcostError(f"chat template refused the request: {message}")

    def tojson(x: Any, ensure_ascii: bool = False, indent: int | None = None, separators: Any = None,
               sort_keys: bool = False) -> str:
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return env


def _plain_messages(messages: list[Any]) -> list[dict[str, Any]]:
    """Text parts joined into one string (templates for text models expect a string content)."""
    out = []
    for msg in messages:
        content = msg.get("content")
        if isinstance(content, list):
            content = "".join(p if isinstance(p, str) else p.get("text", "") for p in content
                              if isinstance(p, str) or p.get("type") == "text")
        out.append({**msg, "content": content if content is not None else ""})
    return out


def render(name: str, messages: list[Any], tools: list[Any] | None) -> str:
    loaded = _load(name)
    try:
        return loaded.template.render(messages=_plain_messages(messages), tools=tools, add_generation_prompt=True,
                                      **loaded.context)
    except TokcostError:
        raise
    except Exception as exc:  # a template error is the request's problem, reported on one line
        raise TokcostError(f"chat template {name} could not render this request: {exc}") from None


def count_templated(name: str, messages: list[Any], tools: list[Any] | None,
                    fast: bool = True) -> tuple[int, str]:
    """Tokens of the whole rendered request (`fast`: see Backend.count), and a one-line note naming the template."""
    from tokcost.tokenizers import get_tokenizer

    spec = template_specs()[name]
    if spec.instruct:
        return _count_instruct(spec, messages, tools)
    text = render(name, messages, tools)
    loaded = _load(name)
    backend = get_tokenizer(spec.tokenizer)
    pieces = loaded.specials.split(text) if loaded.specials else [text]
    n_special = len(pieces) - 1
    total = n_special + sum(backend.count(p, fast) for p in pieces if p)
    where = spec.asset or f"tokcost/data/templates/{spec.file}, from the vendor's documented prompt format"
    note = (f"chat framing: {spec.vendor}'s chat template ({name}, {where}) rendered and counted exactly "
            f"({n_special} special tokens); the API's server-side framing is not published")
    return total, note


def _count_instruct(spec: TemplateSpec, messages: list[Any], tools: list[Any] | None) -> tuple[int, str]:
    from tokcost.pricing.mistral_chat import frame
    from tokcost.tokenizers import get_tokenizer, tokenizer_spec
    from tokcost.tokenizers.assets import get_spec

    framed = frame(spec.instruct, messages, tools)
    asset = get_spec(tokenizer_spec(spec.tokenizer).asset)
    version = spec.instruct.upper()
    note = (f"chat framing: {spec.vendor}'s instruct format ({asset.package} {asset.version}, "
            f"InstructTokenizer{version}) encoded and counted exactly ({framed.controls} control tokens)")
    return framed.count(get_tokenizer(spec.tokenizer).count), note
