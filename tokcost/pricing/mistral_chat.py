"""Mistral's chat framing: a request encoded as mistral-common's instruct tokenizers encode it.

Mistral ships no jinja chat template: its library `mistral-common` (the package the tokenizer assets
come from) frames a chat in code, `mistral_common/tokens/tokenizers/instruct.py`, after normalizing
it (`mistral_common/protocol/instruct/normalize.py`). This module follows both for the versions
whose tokenizers tokcost pins:

- normalizing: every system message's text joined by a blank line is the system prompt; runs of
  messages of one role become one message (text joined by a blank line; system messages break a
  run and are then dropped); a request that does not start with a user message gets an empty one.
- v1 (`InstructTokenizerV1`): `[INST] {system prompt + blank line, on the first user message}{text}
  [/INST]` as plain text, each assistant reply + EOS; no tools.
- v3 (`InstructTokenizerV3`, sentencepiece or tekken): `[INST]`, `[/INST]` are control tokens; the
  system prompt goes on the last user message; the tools, as JSON, before the last user message
  between `[AVAILABLE_TOOLS]` and `[/AVAILABLE_TOOLS]`; tool calls after `[TOOL_CALLS]`; tool results
  between `[TOOL_RESULTS]` and `[/TOOL_RESULTS]`.

Every piece of text is encoded on its own (as mistral-common does: a sentencepiece model puts its
dummy prefix before each), every control token, BOS and EOS is one token. Images are left out here:
their tokens come from the image rule (tokcost.pricing.images).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tokcost.errors import TokcostError

BLANK_LINE = "\n\n"  # normalize.py: _DEFAULT_JOIN_STR
ROLES = ("system", "user", "assistant", "tool")


@dataclass
class Framed:
    """A request as mistral-common encodes it: control tokens, and the texts each encoded on its own."""

    controls: int = 1  # BOS
    texts: list[str] = field(default_factory=list)

    def add(self, controls: int = 0, *texts: str) -> None:
        self.controls += controls
        self.texts.extend(t for t in texts if t)

    def count(self, count: Callable[[str], int]) -> int:
        return self.controls + sum(count(t) for t in self.texts)


@dataclass
class _Message:
    role: str
    parts: list[str | None]  # text parts; None stands for an image
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    call_id: str | None = None


def frame(version: str, messages: list[Any], tools: list[Any] | None) -> Framed:
    """The framing of one request for instruct version "v1" or "v3"."""
    system = [_text(m.get("content")) for m in messages if m.get("role") == "system"]
    prompt = BLANK_LINE.join(t for t in system if t) or None
    merged = _merged([_message(i, m) for i, m in enumerate(messages, 1)])
    if not merged or merged[0].role != "user":
        merged.insert(0, _Message("user", []))
    users = [i for i, m in enumerate(merged) if m.role == "user"]
    out = Framed()
    encode = _v1 if version == "v1" else _v3
    for i, msg in enumerate(merged):
        encode(out, msg, first=i == users[0], last=i == users[-1], prompt=prompt, tools=tools)
    return out


def _message(i: int, msg: Any) -> _Message:
    role = msg.get("role")
    if role not in ROLES:
        raise TokcostError(f"message {i}: Mistral's chat format has no role {role!r} (system, user, assistant, tool)")
    content = msg.get("content")
    parts: list[str | None] = [content] if isinstance(content, str) else [
        p if isinstance(p, str) else p.get("text") if p.get("type") == "text" else None for p in content or []]
    calls = [c.get("function", {}) for c in msg.get("tool_calls") or []]
    ids = [c.get("id") for c in msg.get("tool_calls") or []]
    return _Message(role, parts, [{"name": c.get("name"), "arguments": _json_value(c.get("arguments")), "id": d}
                                  for c, d in zip(calls, ids, strict=True)], msg.get("tool_call_id"))


def _merged(messages: list[_Message]) -> list[_Message]:
    """normalize.py `_aggregate_messages`: a run of user (or assistant) messages becomes one; a system
    message ends a run and is then dropped; tool messages stay one each."""
    out: list[_Message] = []
    for msg in messages:
        prev = out[-1] if out else None
        if prev is not None and prev.role == msg.role and msg.role in ("user", "assistant"):
            prev.parts += msg.parts
            prev.tool_calls += msg.tool_calls
        else:
            out.append(_Message(msg.role, list(msg.parts), list(msg.tool_calls), msg.call_id))
    return [m for m in out if m.role != "system"]


def _plain(parts: list[str | None]) -> bool:
    return all(p is not None for p in parts)


def _joined(parts: list[str | None]) -> str:
    """Text parts joined by a blank line, empty ones skipped (normalize.py `_aggregate_content_chunks_impl`)."""
    return BLANK_LINE.join(p for p in parts if p)


def _chunks(parts: list[str | None]) -> list[str | None]:
    """Runs of text parts joined (as `_joined`); images (None) kept apart."""
    out: list[str | None] = []
    run: list[str | None] = []
    for p in [*parts, None]:
        if p is not None:
            run.append(p)
            continue
        if _joined(run):
            out.append(_joined(run))
        out.append(None)
        run = []
    return out[:-1]


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return BLANK_LINE.join(p["text"] for p in content or [] if isinstance(p, dict) and p.get("text"))


def _json_value(text: Any) -> Any:
    """normalize.py `_normalize_json_content` then instruct.py `_parse_json_content`: JSON text -> its value."""
    if not text:
        return {}
    try:
        return json.loads(text)
    except (TypeError, json.JSONDecodeError):
        return text


# ---------------------------------------------------------------- v1

def _v1(out: Framed, msg: _Message, *, first: bool, last: bool, prompt: str | None, tools: Any) -> None:
    if msg.role == "user":
        if not _plain(msg.parts):
            raise TokcostError("Mistral's v1 chat format takes no images")
        text = _joined(msg.parts)
        content = f"{prompt}{BLANK_LINE}{text}" if first and prompt else text
        out.add(0, f"[INST] {content} [/INST]")
    elif msg.role == "assistant" and not msg.tool_calls:
        out.add(1, _joined(msg.parts))  # + EOS
    else:
        raise TokcostError("Mistral's v1 chat format has no tool calls or tool results")


# ---------------------------------------------------------------- v3

def _v3(out: Framed, msg: _Message, *, first: bool, last: bool, prompt: str | None, tools: Any) -> None:
    if msg.role == "user":
        if last and tools:
            out.add(2, json.dumps([_tool(t) for t in tools], ensure_ascii=False))  # [AVAILABLE_TOOLS] ... [/..]
        out.add(2)  # [INST] ... [/INST]
        _v3_content(out, msg.parts, prompt if last else None)
    elif msg.role == "tool":
        if msg.call_id is None:
            raise TokcostError("Mistral's v3 chat format needs a tool_call_id on every tool message")
        result = {"content": _json_value(_joined(msg.parts)), "call_id": msg.call_id}
        out.add(2, json.dumps(result, ensure_ascii=False))  # [TOOL_RESULTS] ... [/TOOL_RESULTS]
    elif msg.tool_calls:
        if _joined(msg.parts):
            raise TokcostError("Mistral's chat format has no assistant message with both text and tool calls")
        calls = [{k: v for k, v in c.items() if k != "id" or (v and v != "null")} for c in msg.tool_calls]
        out.add(2, json.dumps(calls, ensure_ascii=False))  # [TOOL_CALLS] ... EOS
    else:
        out.add(1, _joined(msg.parts).rstrip(" "))  # + EOS


def _v3_content(out: Framed, parts: list[str | None], prompt: str | None) -> None:
    if _plain(parts):
        text = _joined(parts)
        out.add(0, f"{prompt}{BLANK_LINE}{text}" if prompt else text)
        return
    chunks = _chunks(parts)
    if len(chunks) >= 2 and chunks[-1] is None and all(c is not None for c in chunks[:-1]):
        chunks = [None, *chunks[:-1]]  # instruct.py `_maybe_put_image_first`
    if prompt:
        out.add(0, prompt + BLANK_LINE)
    out.add(0, *(c for c in chunks if c is not None))


def _tool(tool: Any) -> dict[str, Any]:
    """An OpenAI tool as mistral-common's `Tool.model_dump()` writes it (`strict` left out)."""
    fn = tool.get("function", tool) if isinstance(tool, dict) else {}
    return {"type": "function", "function": {"name": fn.get("name"), "description": fn.get("description") or "",
                                             "parameters": fn.get("parameters", {})}}
