"""Requests counted whole: tool schemas, image parts, chat templates, batch lines' model and max_tokens.

Golden figures come from the vendors' own published examples:
- OpenAI cookbook "How to count tokens with tiktoken", section 7: its weather tool + 2 messages are
  101 prompt tokens for gpt-4o and 105 for gpt-4 (equal to the API's usage, as printed there).
- OpenAI vision docs: 1024x1024 high detail = 765 tokens; 2048x4096 high = 1105; any size low = 85;
  gpt-4o-mini 1024x1024 high = 2833 + 4 x 5667 = 25501.
- Anthropic vision docs: 1000x1000 = 1334 tokens, 1092x1092 = 1590 (width x height / 750).
- Qwen2-VL's smart_resize with Model Studio's default pixel range, Pixtral's patch grid and GLM-4V's
  fixed 1602, computed by hand from the published formulas (see test_vendor_image_rules_by_hand).
- Mistral's chat framing: mistral-common's own `encode_chat_completion` (installed with the `test` extra).
"""
from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from pathlib import Path

import pytest
from cli_run import run

from tokcost.pricing.images import ImagePart, image_size, image_tokens
from tokcost.pricing.tools import tool_shape

WEATHER_TOOL = [{
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                "unit": {"type": "string", "description": "The unit of temperature to return",
                         "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    },
}]
WEATHER_MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant that can answer to questions about the weather."},
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]


def cost_json(capsys, path: Path, *args: str) -> list[dict]:
    code, out, err = run(capsys, "cost", str(path), *args, "-f", "json")
    assert code == 0, err
    return json.loads(out)


def png(width: int, height: int) -> bytes:
    """A real (tiny-data) PNG of the given size: signature, IHDR, one IDAT, IEND."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def jpeg_header(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0


# ---------------------------------------------------------------- tools

@pytest.mark.parametrize(("model", "expected"), [("gpt-4o", 101), ("gpt-4", 105)])
def test_tools_match_openai_cookbook(capsys, tmp_path, model, expected):
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"model": model, "messages": WEATHER_MESSAGES, "tools": WEATHER_TOOL}), "utf-8")
    [rec] = cost_json(capsys, req, "-m", model)
    assert rec["input_tokens"] == expected
    assert any(n.startswith("tools: OpenAI cookbook rule") and "approximately" not in n for n in rec["notes"])


def test_tool_shape_flags_what_the_rule_does_not_cover():
    nested = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {
        "a": {"type": "object", "properties": {"b": {"type": "string"}}, "description": "x"}}}}}]
    shape = tool_shape(nested)
    assert "function 'f' has no description" in shape.gaps and "property 'a' is a nested object" in shape.gaps
    assert tool_shape(WEATHER_TOOL).gaps == ()


def test_tools_for_a_vendor_without_a_rule_are_labelled(capsys, tmp_path):
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"messages": WEATHER_MESSAGES, "tools": WEATHER_TOOL}), "utf-8")
    [rec] = cost_json(capsys, req, "-m", "llama-3-70b")
    plain = req.with_name("plain.json")
    plain.write_text(json.dumps({"messages": WEATHER_MESSAGES}), "utf-8")
    [base] = cost_json(capsys, plain, "-m", "llama-3-70b")
    assert rec["input_tokens"] > base["input_tokens"] + 50
    assert any("JSON text is counted (not exact)" in n for n in rec["notes"])


# ---------------------------------------------------------------- images

@pytest.mark.parametrize(("vendor", "model", "size", "detail", "expected"), [
    ("openai", "gpt-4o", (1024, 1024), "high", 765),
    ("openai", "gpt-4o", (2048, 4096), "high", 1105),
    ("openai", "gpt-4o", (4096, 8192), "low", 85),
    ("openai", "gpt-4o", (512, 512), "auto", 255),
    ("openai", "gpt-4o-mini", (1024, 1024), "high", 25501),
    ("anthropic", "claude-3-haiku", (1000, 1000), "auto", 1334),
    ("anthropic", "claude-3-haiku", (1092, 1092), "auto", 1590),
    ("google", "gemini-1.5-pro", (3000, 2000), "auto", 258),
])
def test_image_rules_match_vendor_examples(vendor, model, size, detail, expected):
    low, high, note = image_tokens(ImagePart(*size, detail, "x.png"), vendor, model)
    assert low == high == expected
    assert "docs" in note


def test_unknown_size_is_a_labelled_upper_bound_never_zero():
    low, high, note = image_tokens(ImagePart(None, None, "auto", "https://x/y.png", "remote URL"), "openai", "gpt-4o")
    assert (low, high) == (255, 1445) and "upper bound" in note
    low, high, note = image_tokens(ImagePart(None, None, "auto", "u", "remote"), "moonshot", "moonshot-v1-8k")
    assert low > 0 and "publishes no image rule" in note
    low, high, note = image_tokens(ImagePart(None, None, "auto", "u", "remote"), "alibaba", "qwen-vl-max")
    assert (low, high) == (6, 1282) and "upper bound" in note


@pytest.mark.parametrize(("vendor", "model", "size", "expected"), [
    # 1024 rounds to 1036 (37 x 28); 1036^2 > 1280 x 28^2, so beta = sqrt(1024^2 / 1003520) and each side
    # is floor(1024 / beta / 28) x 28 = 980: 35 x 35 + 2
    ("alibaba", "qwen-vl-max", (1024, 1024), 35 * 35 + 2),
    ("alibaba", "qwen2.5-vl-72b-instruct", (448, 224), 16 * 8 + 2),  # multiples of 28, in range
    ("alibaba", "qwen-vl-plus", (20, 20), 2 * 2 + 2),  # 28x28 < min_pixels 3136: scaled up to 56x56
    ("mistral", "pixtral-12b", (1024, 1024), 64 * 64 + 64),  # 64 rows of 64 [IMG] + a break/end each
    ("mistral", "pixtral-12b", (3000, 1000), 64 * 22 + 22),  # fit to 1024x341: 64 cols, ceil(341/16) rows
    ("zhipu", "glm-4v-plus", (800, 600), 1602),  # (1120/14/2)^2 + boi + eoi, any size
])
def test_vendor_image_rules_by_hand(vendor, model, size, expected):
    low, high, note = image_tokens(ImagePart(*size, "auto", "x.png"), vendor, model)
    assert low == high == expected
    assert "stands in" not in note


@pytest.mark.parametrize(("vendor", "model"), [("deepseek", "deepseek-chat"), ("zhipu", "glm-4"),
                                               ("zhipu", "glm-4.5-air"), ("mistral", "mixtral-8x22b")])
def test_text_only_models_refuse_images(vendor, model):
    """A text-only model's API rejects an image part: pricing the request anyway would be a wrong answer."""
    from tokcost.pricing.images import TextOnly

    with pytest.raises(TextOnly, match="takes text only"):
        image_tokens(ImagePart(512, 512, "auto", "cat.png"), vendor, model)


def test_text_only_model_with_an_image_is_an_error_for_that_model_only(capsys, tmp_path):
    (tmp_path / "cat.png").write_bytes(png(1024, 1024))
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"messages": [{"role": "user", "content": [
        {"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "cat.png"}}]}]}), "utf-8")
    code, out, err = run(capsys, "cost", str(req), "-m", "gpt-4o,deepseek-v2", "-f", "json")
    assert code == 1
    assert [r["model"] for r in json.loads(out)] == ["gpt-4o"]
    assert "deepseek-v2" in err and "takes text only" in err


def test_a_format_that_cannot_frame_a_request_fails_that_model_only(capsys, tmp_path):
    """OpenAI's `developer` role has no place in Mistral's format: mixtral is an error (not ranked with
    `all`), gpt-4o is still priced; before, the whole command stopped."""
    req = tmp_path / "dev.json"
    req.write_text(json.dumps({"messages": [{"role": "developer", "content": "Answer briefly."},
                                            {"role": "user", "content": "给我一个合理解释北京大学"}]}), "utf-8")
    code, out, err = run(capsys, "cost", str(req), "-m", "gpt-4o,mixtral-8x22b", "-f", "json")
    assert code == 1 and [r["model"] for r in json.loads(out)] == ["gpt-4o"]
    assert "mixtral-8x22b" in err and "no role 'developer'" in err and len(err.strip().splitlines()) == 1
    code, out, err = run(capsys, "cost", str(req), "-m", "all", "-f", "json")
    assert code == 0 and "mixtral-8x22b" not in [r["model"] for r in json.loads(out)]
    assert "not ranked: mixtral-8x22b" in err


def test_image_sizes_from_headers():
    assert image_size(png(640, 480)) == (640, 480)
    assert image_size(jpeg_header(1920, 1080)) == (1920, 1080)
    assert image_size(b"GIF89a" + struct.pack("<HH", 7, 9)) == (7, 9)
    assert image_size(b"not an image") is None


def test_tools_and_local_image_request(capsys, tmp_path):
    (tmp_path / "cat.png").write_bytes(png(1024, 1024))
    inline = "data:image/jpeg;base64," + base64.b64encode(jpeg_header(2048, 4096)).decode()
    content = [{"type": "text", "text": "What's the weather like in San Francisco?"},
               {"type": "image_url", "image_url": {"url": "cat.png", "detail": "high"}},
               {"type": "image_url", "image_url": {"url": inline, "detail": "high"}}]
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"messages": [WEATHER_MESSAGES[0], {"role": "user", "content": content}],
                               "tools": WEATHER_TOOL}), "utf-8")
    [rec] = cost_json(capsys, req, "-m", "gpt-4o")
    assert rec["input_tokens"] == 101 + 765 + 1105
    assert any("1024x1024" in n and "765 tokens" in n for n in rec["notes"])


# ---------------------------------------------------------------- batch files

def write_batch(path: Path, n: int = 3, model: str = "gpt-4o", max_tokens: int = 4000) -> Path:
    lines = [json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions",
                         "body": {"model": model, "max_tokens": max_tokens,
                                  "messages": [{"role": "user", "content": f"Summarise report {i}."}]}})
             for i in range(n)]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_batch_max_tokens_fails_a_tiny_budget(capsys, tmp_path):
    batch = write_batch(tmp_path / "batch.jsonl")
    code, out, err = run(capsys, "check", str(batch), "--budget", "0.001USD")
    assert code == 1, err
    assert out.startswith("over budget:") and "gpt-4o" in out
    [rec] = cost_json(capsys, batch, "-m", "gpt-4o")
    assert rec["output_tokens"] == 3 * 4000
    assert any("max_tokens" in n and "worst case" in n for n in rec["notes"])


def test_batch_lines_priced_as_their_own_models(capsys, tmp_path):
    batch = tmp_path / "mixed.jsonl"
    a = write_batch(tmp_path / "a.jsonl", 2, "gpt-4o", 100).read_text("utf-8")
    b = write_batch(tmp_path / "b.jsonl", 1, "gpt-4", 50).read_text("utf-8")
    batch.write_text(a + b, "utf-8")
    recs = {r["model"]: r for r in cost_json(capsys, batch)}
    assert (recs["gpt-4o"]["requests"], recs["gpt-4o"]["output_tokens"]) == (2, 200)
    assert (recs["gpt-4"]["requests"], recs["gpt-4"]["output_tokens"]) == (1, 50)


def test_output_option_is_capped_by_max_tokens(capsys, tmp_path):
    batch = write_batch(tmp_path / "batch.jsonl", 2, "gpt-4o", 100)
    [rec] = cost_json(capsys, batch, "-m", "gpt-4o", "--output-tokens", "500")
    assert rec["output_tokens"] == 200


def test_bad_max_tokens_is_reported_by_line(capsys, tmp_path):
    batch = tmp_path / "bad.jsonl"
    batch.write_text(json.dumps({"body": {"model": "gpt-4o", "max_tokens": "lots",
                                          "messages": [{"role": "user", "content": "hi"}]}}) + "\n"
                     + json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n", "utf-8")
    code, _, err = run(capsys, "cost", str(batch), "-m", "gpt-4o")
    assert code == 1 and f"{batch}:1: body.max_tokens must be a whole number" in err


# ---------------------------------------------------------------- chat templates

@pytest.mark.parametrize("model", ["deepseek-v2", "glm-4"])
def test_template_count_equals_transformers(capsys, tmp_path, model):
    """The rendering, counted our way, equals transformers' apply_chat_template(tokenize=True)."""
    from transformers import PreTrainedTokenizerFast

    from tokcost.pricing.catalog import load_catalog
    from tokcost.pricing.framing import template_name
    from tokcost.pricing.templates import template_specs
    from tokcost.tokenizers import tokenizer_spec
    from tokcost.tokenizers.assets import asset_path

    record = load_catalog().get(model)
    spec = template_specs()[template_name(record)]
    config = json.loads(asset_path(spec.asset).read_text("utf-8"))
    tok = PreTrainedTokenizerFast(tokenizer_file=str(asset_path(tokenizer_spec(spec.tokenizer).asset)))
    messages = [{"role": "system", "content": "你是一个乐于助人的助手。"}, {"role": "user", "content": "北京的天气怎么样？"},
                {"role": "assistant", "content": "晴，25度。"}, {"role": "user", "content": "And tomorrow?"}]
    specials = {k: v if isinstance(v, str) else (v or {}).get("content", "")
                for k in ("bos_token", "eos_token") for v in [config.get(k)]}
    ids = tok.apply_chat_template(messages, chat_template=config["chat_template"], tokenize=True,
                                  add_generation_prompt=True, **specials)
    if not isinstance(ids, list):  # transformers 5 returns a BatchEncoding
        ids = ids["input_ids"]
    req = tmp_path / "chat.json"
    req.write_text(json.dumps({"messages": messages}), "utf-8")
    [rec] = cost_json(capsys, req, "-m", model)
    assert rec["input_tokens"] == len(ids)
    assert any("chat template" in n and "counted exactly" in n for n in rec["notes"])


def test_llama3_documented_prompt_format(capsys, tmp_path):
    """<|begin_of_text|> + per message <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|> + the
    assistant header: 9 special tokens here, the rest counted as text with the llama3 tokenizer."""
    from tokcost.tokenizers import get_tokenizer

    count = get_tokenizer("llama3").count
    req = tmp_path / "chat.json"
    req.write_text(json.dumps({"messages": [{"role": "system", "content": "You are helpful."},
                                            {"role": "user", "content": "Hello there"}]}), "utf-8")
    [rec] = cost_json(capsys, req, "-m", "llama-3-70b")
    text = [count("system"), count("\n\nYou are helpful."), count("user"), count("\n\nHello there"),
            count("assistant"), count("\n\n")]
    assert rec["input_tokens"] == 9 + sum(text) == 21
    assert any("documented prompt format" in n for n in rec["notes"])


# ---------------------------------------------------------------- Mistral's framing (mistral-common)

MISTRAL_TOOLS = [{"type": "function", "function": {
    "name": "get_current_weather", "description": "Get the current weather in a given location",
    "parameters": {"type": "object", "properties": {"location": {"type": "string", "description": "城市"},
                                                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                   "required": ["location"]}}}]
MISTRAL_CHATS = {
    "zh-system-multi-turn": [{"role": "system", "content": "你是一个乐于助人的助手。"}, {"role": "user", "content": "北京的天气怎么样？"},
                             {"role": "assistant", "content": "晴，25度。 "}, {"role": "user", "content": "And tomorrow?"}],
    "en-no-system": [{"role": "user", "content": "Hello there, how are you?"}, {"role": "assistant", "content": "Fine, thanks."},
                     {"role": "user", "content": "Tell me a joke."}],
    "runs-and-two-systems": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "First."},
                             {"role": "user", "content": [{"type": "text", "text": "Second"}, {"type": "text", "text": "part"}]},
                             {"role": "system", "content": "Answer in French."}, {"role": "user", "content": "Third."}],
    "assistant-first": [{"role": "assistant", "content": "Hi! Ask me anything."}, {"role": "user", "content": "Why is the sky blue?"}],
}
MISTRAL_TOOL_CHAT = [
    {"role": "system", "content": "You can call tools."}, {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": None, "tool_calls": [{"id": "abcDEF123", "type": "function", "function": {
        "name": "get_current_weather", "arguments": "{\"location\": \"Paris\", \"unit\": \"celsius\"}"}}]},
    {"role": "tool", "tool_call_id": "abcDEF123", "name": "get_current_weather", "content": "{\"temperature\": 21, \"sky\": \"晴\"}"},
    {"role": "assistant", "content": "It is 21 °C and sunny."}, {"role": "user", "content": "And in 北京?"}]


def mistral_reference(factory: str, messages: list, tools: list | None = None) -> int:
    """mistral-common's own token count of a chat request (its MistralTokenizer, no network)."""
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    tok = {"v1": MistralTokenizer.v1, "v3": MistralTokenizer.v3, "tekken": lambda: MistralTokenizer.v3(is_tekken=True),
           "pixtral": lambda: MistralTokenizer.v3(is_tekken=True, is_mm=True)}[factory]()
    return len(tok.encode_chat_completion(ChatCompletionRequest(messages=messages, tools=tools)).tokens)


MISTRAL_VERSIONS = [("v1", "mistral-v1", "v1"), ("v3", "mistral-v3", "v3"), ("v3", "tekken", "tekken")]


@pytest.mark.parametrize(("version", "tokenizer", "factory", "chat"),
                         [(*v, chat) for v in MISTRAL_VERSIONS for chat in [*MISTRAL_CHATS, "tools"]
                          if not (chat == "tools" and v[0] == "v1")])  # v1 has no tool format
def test_mistral_framing_equals_mistral_common(version, tokenizer, factory, chat):
    """Control tokens + each text encoded on its own = mistral-common's encode_chat_completion, for each
    instruct version and tokenizer tokcost pins (v1 has no tool format: tools are v3 only)."""
    from tokcost.pricing.mistral_chat import frame
    from tokcost.tokenizers import get_tokenizer

    messages, tools = (MISTRAL_TOOL_CHAT, MISTRAL_TOOLS) if chat == "tools" else (MISTRAL_CHATS[chat], None)
    assert frame(version, messages, tools).count(get_tokenizer(tokenizer).count) == mistral_reference(factory, messages, tools)


def test_mixtral_request_counted_exactly(capsys, tmp_path):
    """The catalog's Mistral model prices the whole framed request, tools included, as mistral-common counts it."""
    req = tmp_path / "chat.json"
    req.write_text(json.dumps({"messages": MISTRAL_TOOL_CHAT, "tools": MISTRAL_TOOLS}), "utf-8")
    [rec] = cost_json(capsys, req, "-m", "mixtral-8x22b")
    assert rec["input_tokens"] == mistral_reference("v3", MISTRAL_TOOL_CHAT, MISTRAL_TOOLS) == 206
    assert any("InstructTokenizerV3) encoded and counted exactly" in n for n in rec["notes"])
    assert not any("not exact" in n or "content tokens only" in n for n in rec["notes"])


@pytest.mark.parametrize("size", [(1024, 1024), (3000, 1000), (17, 900), (1, 1)])
@pytest.mark.parametrize("order", ["text-image", "image-text", "text-image-text"])
def test_pixtral_image_request_equals_mistral_common(monkeypatch, size, order):
    """Pixtral: the framing of text around images plus the grid rule per image = mistral-common's count."""
    import mistral_common.tokens.tokenizers.image as mimage
    import numpy as np
    from PIL import Image

    from tokcost.pricing.mistral_chat import frame
    from tokcost.tokenizers import get_tokenizer

    # the pixels' transform needs opencv; the token count does not depend on it
    monkeypatch.setattr(mimage, "transform_image", lambda image, new: np.zeros((3, new[1], new[0])))
    buf = io.BytesIO()
    Image.new("RGB", size).save(buf, "PNG")
    img = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()}}
    txt = {"type": "text", "text": "What is in this picture? 图里有什么？"}
    parts = {"text-image": [txt, img], "image-text": [img, txt], "text-image-text": [txt, img, txt]}[order]
    messages = [{"role": "system", "content": "Describe briefly."}, {"role": "user", "content": parts}]
    ours = frame("v3", messages, None).count(get_tokenizer("tekken").count)
    ours += image_tokens(ImagePart(*size, "auto", "x.png"), "mistral", "pixtral-12b")[0]
    assert ours == mistral_reference("pixtral", messages)
