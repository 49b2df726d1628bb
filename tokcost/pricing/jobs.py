"""Requests from inputs: plain text (files, folders, stdin, --text) and chat inputs (.json/.jsonl).

A `.json` file holding OpenAI-style `{"messages": [...]}` (or a bare list of messages) is one chat
request; a `.jsonl` file is a batch, one request per line (`{"messages": [...]}` or an OpenAI batch
line `{"custom_id": .., "body": {"messages": [...]}}`). A `.json`/`.jsonl` file that is not
chat-shaped is counted as text. Plain-text inputs together form one request (the whole input),
or one request each with `per_input`.

Chat tokens are counted per message value. For OpenAI models the chat format adds a fixed
overhead; the figures are those of OpenAI's cookbook "How to count tokens with tiktoken"
(`num_tokens_from_messages`, for gpt-3.5-turbo-0613 and later, gpt-4, gpt-4o): every value of a
message (role, name, content) is encoded, plus 3 tokens per message, +1 when a `name` is present,
and +3 for the reply priming `<|start|>assistant<|message|>`. Tool schemas (`tools`, legacy
`functions`) are counted by OpenAI's cookbook rule (tokcost.pricing.tools), image parts by each
vendor's image rule (tokcost.pricing.images), and open-weight vendors' requests by rendering their
chat template (tokcost.pricing.templates). A request body's `model` and `max_tokens` /
`max_completion_tokens` are kept: the model prices that request, the cap is its worst-case output.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tokcost.counting.api import reason_of
from tokcost.counting.decoding import read_blocks
from tokcost.counting.engine import Counted, Engine
from tokcost.counting.inputs import Input, expand
from tokcost.counting.pool import WorkerDied
from tokcost.counting.safejson import BadJSON, load_json
from tokcost.counting.session import CountSession, input_bytes
from tokcost.errors import DataError, InputError, InputProblem, NotText, TokcostError
from tokcost.pricing.images import ImagePart, image_part
from tokcost.pricing.tools import ToolShape, tool_shape

TOKENS_PER_MESSAGE = 3  # cookbook: <|start|>{role/name}\n{content}<|end|>\n
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3  # cookbook: every reply is primed with <|start|>assistant<|message|>
CHAT_SUFFIXES = (".json", ".jsonl")


@dataclass
class Request:
    """One API request: token counts per tokenizer, and its chat shape if it is a chat."""

    label: str
    content: dict[str, int]  # plain text: all its tokens; chat: the messages' content tokens
    inputs: int = 1
    chat: bool = False
    meta: dict[str, int] = field(default_factory=dict)  # chat: tokens of the role and name values
    messages: int = 0
    names: int = 0
    tool_lines: dict[str, int] = field(default_factory=dict)  # tokens of the tool rule's lines
    tool_json: dict[str, int] = field(default_factory=dict)  # tokens of the tools as JSON text
    tools: ToolShape | None = None
    images: tuple[ImagePart, ...] = ()
    max_output: int | None = None  # body.max_tokens / max_completion_tokens: the worst-case output
    model: str | None = None  # body.model
    templated: dict[str, int] = field(default_factory=dict)  # template name -> whole rendered request
    template_notes: dict[str, str] = field(default_factory=dict)
    template_refusals: dict[str, str] = field(default_factory=dict)  # template name -> why it cannot frame this
    approx: tuple[str, ...] = ()  # parts counted approximately, one line each
    batch: bool = False  # an OpenAI Batch API line (custom_id + body): batch prices apply

    def tokens(self, tokenizer: str, openai_format: bool = False) -> int:
        """Prompt tokens with `tokenizer`; chat requests add OpenAI's format overhead when asked."""
        n = self.content[tokenizer]
        if self.chat and openai_format:
            n += self.meta[tokenizer] + TOKENS_PER_MESSAGE * self.messages + TOKENS_PER_NAME * self.names
            n += REPLY_PRIMING
        return n


@dataclass
class Job:
    requests: list[Request]
    tokenizers: tuple[str, ...]
    inputs: int = 0
    errors: list[InputProblem] = field(default_factory=list)
    skipped: list[InputProblem] = field(default_factory=list)

    @property
    def has_chat(self) -> bool:
        return any(r.chat for r in self.requests)


@dataclass
class ChatRequest:
    """A parsed chat request, before counting."""

    label: str
    texts: list[str]
    meta: list[str]
    messages: int
    names: int
    raw: list[Any] = field(default_factory=list)  # the messages as sent (for chat templates)
    raw_tools: list[Any] | None = None
    tools: ToolShape | None = None
    images: tuple[ImagePart, ...] = ()
    max_output: int | None = None
    model: str | None = None
    approx: list[str] = field(default_factory=list)
    batch: bool = False  # an OpenAI Batch API line (custom_id + body)


# ---------------------------------------------------------------- parsing

def _messages_of(obj: Any) -> list[Any] | None:
    if isinstance(obj, dict) and isinstance(obj.get("body"), dict):
        obj = obj["body"]
    if isinstance(obj, dict) and isinstance(obj.get("messages"), list):
        return obj["messages"]
    if isinstance(obj, list) and obj and all(isinstance(m, dict) and "role" in m for m in obj):
        return obj
    return None


IMAGE_TYPES = ("image_url", "image", "input_image")


def _content_texts(content: Any, where: str, images: list[ImagePart], base: Any = None) -> list[str]:
    if content is None:
        return []
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        raise ValueError(f"{where}: content must be a string or a list of parts")
    texts = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif isinstance(part, dict) and part.get("type") in IMAGE_TYPES:
            images.append(image_part(part, base))
        elif not isinstance(part, dict):
            raise ValueError(f"{where}: a content part must be an object")
        else:
            raise ValueError(f"{where}: content part type {part.get('type')!r} cannot be counted "
                             "(text and image_url parts can)")
    return texts


def _body(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict) and isinstance(obj.get("body"), dict):
        return obj["body"]
    return obj if isinstance(obj, dict) else {}


def _max_output(body: dict[str, Any]) -> int | None:
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"body.{key} must be a whole number >= 0, not {value!r}")
        return value
    return None


def chat_request(messages: list[Any], label: str, body: dict[str, Any] | None = None,
                 base: Any = None) -> ChatRequest:
    """Raises ValueError naming the first bad message (or the bad request field)."""
    body = body or {}
    texts: list[str] = []
    meta: list[str] = []
    images: list[ImagePart] = []
    approx: list[str] = []
    names = 0
    for i, msg in enumerate(messages, 1):
        where = f"message {i}"
        if not isinstance(msg, dict) or not isinstance(msg.get("role"), str):
            raise ValueError(f"{where}: expected an object with a string role")
        texts += _content_texts(msg.get("content"), where, images, base)
        calls = _tool_call_texts(msg)
        if calls:
            texts += calls
            approx.append(f"{where}: tool calls counted as their name and arguments text (OpenAI publishes "
                          "no rule for their framing)")
        meta.append(msg["role"])
        if "name" in msg:
            if not isinstance(msg["name"], str):
                raise ValueError(f"{where}: name must be a string")
            meta.append(msg["name"])
            names += 1
    raw_tools = body.get("tools", body.get("functions"))
    shape = tool_shape(raw_tools) if raw_tools else None
    model = body.get("model")
    if model is not None and not isinstance(model, str):
        raise ValueError(f"body.model must be a string, not {model!r}")
    return ChatRequest(label, texts, meta, len(messages), names, raw=messages, raw_tools=raw_tools or None,
                       tools=shape, images=tuple(images), max_output=_max_output(body), model=model,
                       approx=approx)


def _tool_call_texts(msg: dict[str, Any]) -> list[str]:
    calls = msg.get("tool_calls") or ([{"function": msg["function_call"]}] if msg.get("function_call") else [])
    texts = []
    for call in calls if isinstance(calls, list) else []:
        fn = call.get("function") if isinstance(call, dict) else None
        if isinstance(fn, dict):
            texts += [str(fn.get("name", "")), str(fn.get("arguments", ""))]
    return texts


def split_lines(text: str) -> list[str]:
    """JSONL lines: split on \\n only (a \\r before it goes too). Not str.splitlines(), which also
    splits on U+2028, U+2029, U+0085 and other characters that JSON strings may hold raw."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def parse_json(text: str, label: str, base: Any = None) -> list[ChatRequest] | None:
    """A chat `.json` file's one request; None if it is valid JSON but not chat-shaped.

    Raises InputError for text that is not JSON (or too deep, or with a huge number) or a malformed message."""
    try:
        obj = load_json(text)
    except BadJSON as exc:
        raise InputError(exc.where(label)) from None
    messages = _messages_of(obj)
    if messages is None:
        return None
    try:
        return [chat_request(messages, label, _body(obj), base)]
    except ValueError as exc:
        raise InputError(f"{label}: {exc}") from None


def parse_jsonl(text: str, label: str, base: Any = None) -> tuple[list[ChatRequest], list[InputProblem]] | None:
    """A batch file's requests (one per non-blank line) and one error per bad line; None if no
    line is a chat request (the file is then plain text)."""
    requests: list[ChatRequest] = []
    errors: list[InputProblem] = []
    for n, line in enumerate(split_lines(text), 1):
        if not line.strip():
            continue
        where = f"{label}:{n}"
        try:
            obj = load_json(line)
        except BadJSON as exc:
            errors.append(InputProblem(where, exc.reason))
            continue
        messages = _messages_of(obj)
        if messages is None:
            errors.append(InputProblem(where, 'not a chat request (expected {"messages": [...]} or body.messages)'))
            continue
        custom = obj.get("custom_id") if isinstance(obj, dict) else None
        try:
            chat = chat_request(messages, f"{where} ({custom})" if custom else where, _body(obj), base)
            chat.batch = custom is not None and isinstance(obj.get("body"), dict)
            requests.append(chat)
        except ValueError as exc:
            errors.append(InputProblem(where, str(exc)))
    return (requests, errors) if requests else None


def declared_models(paths: Sequence[str]) -> list[str]:
    """The `model` of every chat request in the .json/.jsonl inputs (read before counting, to know
    which tokenizers to load); unreadable inputs are left for the real pass to report."""
    items, _ = expand(list(paths))
    found: list[str] = []
    for item in items:
        suffix = item.path.suffix.lower() if item.path is not None else ""
        if suffix not in CHAT_SUFFIXES:
            continue
        try:
            text = _read_text(item, None) or ""
        except (InputError, OSError):
            continue
        lines = split_lines(text) if suffix == ".jsonl" else [text]
        for line in lines:
            try:
                body = _body(load_json(line))
            except BadJSON:
                continue
            if isinstance(body.get("model"), str):
                found.append(body["model"])
    return list(dict.fromkeys(found))


# ---------------------------------------------------------------- counting

def _sum(engine: Engine, texts: Iterable[str]) -> dict[str, int]:
    total = Counted({n: 0 for n in engine.names})
    for text in texts:
        if text:
            total.add(engine.count_text(text))
    return total.tokens


def count_chat(engine: Engine, chat: ChatRequest, templates: Sequence[str] = ()) -> Request:
    from tokcost.pricing.templates import count_templated

    tools = chat.tools
    templated: dict[str, int] = {}
    notes: dict[str, str] = {}
    refused: dict[str, str] = {}
    for name in templates:
        try:
            templated[name], notes[name] = count_templated(name, chat.raw, chat.raw_tools, engine.fast)
        except DataError:
            raise  # a shipped template that is broken fails the command
        except TokcostError as exc:  # this vendor's format cannot frame the request: its models only
            refused[name] = str(exc)
    return Request(chat.label, _sum(engine, chat.texts), chat=True, meta=_sum(engine, chat.meta),
                   messages=chat.messages, names=chat.names,
                   tool_lines=_sum(engine, tools.lines) if tools else {},
                   tool_json=_sum(engine, [tools.json_text]) if tools else {}, tools=tools,
                   images=chat.images, max_output=chat.max_output, model=chat.model,
                   templated=templated, template_notes=notes, template_refusals=refused, approx=tuple(chat.approx),
                   batch=chat.batch)


def _read_text(item: Input, encoding: str | None) -> str | None:
    sniffed, blocks = read_blocks(item.path, encoding)
    return None if sniffed.encoding is None else "".join(blocks)


class _Builder:
    def __init__(self, session: CountSession, encoding: str | None, per_input: bool,
                 templates: Sequence[str] = ()) -> None:
        self.session, self.encoding, self.per_input = session, encoding, per_input
        self.templates = tuple(templates)
        self.engine = session.engine
        self.job = Job([], session.names)
        self.plain: list[tuple[str, Counted]] = []

    def fail(self, item: Input, exc: InputError) -> None:
        """A file found while walking a folder with no text in it is skipped; any other problem is an error."""
        if item.walked and isinstance(exc, NotText):
            self.job.skipped.append(InputProblem(item.label, exc.reason, "skipped"))
        else:
            self.job.errors.append(InputProblem(item.label, reason_of(exc, item)))

    def add_text(self, label: str, counted: Counted) -> None:
        self.plain.append((label, counted))
        self.job.inputs += 1

    def add_input(self, item: Input) -> None:
        suffix = item.path.suffix.lower() if item.path is not None else ""
        if suffix in CHAT_SUFFIXES and self._add_chat(item, suffix):
            return
        counted = self.session.count_input(item)
        if item.walked and not counted.stats.chars:
            self.job.skipped.append(InputProblem(item.label, "empty", "skipped"))  # as `count` does
        else:
            self.add_text(item.label, counted)

    def _add_chat(self, item: Input, suffix: str) -> bool:
        """Counts a chat file; False when it is not chat-shaped (count it as text)."""
        text = _read_text(item, self.encoding)
        if text is None:
            return False
        if suffix == ".jsonl":
            parsed = parse_jsonl(text, item.label, item.path.parent if item.path else None)
            if parsed is None:
                return False
            chats, errors = parsed
            self.job.errors.extend(errors)
        else:
            try:
                chats = parse_json(text, item.label, item.path.parent if item.path else None) or []
            except InputError as exc:
                if item.walked:  # a folder's broken .json (say, with comments) is just text
                    return False
                self.job.errors.append(InputProblem.of(item.label, exc))
                return True
            if not chats:
                return False
        self.job.requests.extend(count_chat(self.engine, c, self.templates) for c in chats)
        self.job.inputs += 1
        return True

    def finish(self) -> Job:
        if self.per_input or len(self.plain) <= 1:
            plain = [Request(label, c.tokens) for label, c in self.plain]
        else:
            total = Counted({n: 0 for n in self.engine.names})
            for _, counted in self.plain:
                total.add(counted)
            plain = [Request(_joined([label for label, _ in self.plain]), total.tokens, inputs=len(self.plain))]
        self.job.requests[:0] = plain
        return self.job


def _joined(labels: Sequence[str]) -> str:
    shown = " + ".join(labels[:3])
    return shown if len(labels) <= 3 else f"{shown} + {len(labels) - 3} more"


def build_job(paths: Sequence[str], *, text: str | None, tokenizers: Sequence[str],
              encoding: str | None = None, jobs: int | None = None, per_input: bool = False,
              cache: bool = True, templates: Sequence[str] = ()) -> Job:
    """Count every input once with every tokenizer in `tokenizers`, grouped into requests.

    Plain-text files come from the count cache when unchanged (chat files are parsed each time)."""
    items, bad_args = expand(list(paths))
    with CountSession(tokenizers, jobs=jobs, encoding=encoding, cache=cache,
                      size_hint=input_bytes(items, text)) as session:
        builder = _Builder(session, encoding, per_input, templates)
        builder.job.errors.extend(InputProblem(arg, why) for arg, why in bad_args)
        if text is not None:
            builder.add_text("<text>", session.count_text(text))
        for item in items:
            try:
                builder.add_input(item)
            except WorkerDied as exc:
                if not str(exc).startswith(item.label):
                    raise WorkerDied(f"{item.label}: {exc}") from None
                raise
            except InputError as exc:
                builder.fail(item, exc)
        return builder.finish()
