"""Chat inputs: OpenAI-style .json conversations and .jsonl batches, counted with the chat-format overhead.

Golden figures: OpenAI's cookbook "How to count tokens with tiktoken" runs `num_tokens_from_messages`
on the six `example_messages` below and prints 129 prompt tokens for gpt-3.5-turbo / gpt-4
(cl100k_base) and 124 for gpt-4o / gpt-4o-mini (o200k_base). Cross-checked here by hand: the
content tokens (18+10+8+18+15+19 = 88 with cl100k_base, 17+10+8+17+13+18 = 83 with o200k_base)
+ role values (6 x 1) + name values (2+3+2+3 = 10) + 3 per message (18) + 1 per name (4) + 3 reply
priming = 129 / 124; `test_cookbook_breakdown` recomputes each term with the tokenizers.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_run import run

from tokcost.errors import InputError, InputProblem
from tokcost.pricing.jobs import parse_json, parse_jsonl
from tokcost.tokenizers import get_tokenizer

COOKBOOK = [
    {"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate "
                                  "jargon into plain English."},
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
    {"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth to touch "
                                                          "base on opportunities for increased leverage."},
    {"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy about how to "
                                                               "do better."},
    {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client "
                                "deliverable."},
]


def tokens(capsys, path: Path, *models: str) -> dict[str, dict]:
    code, out, err = run(capsys, "cost", str(path), *[a for m in models for a in ("-m", m)], "-f", "json")
    assert code == 0, err
    return {r["model"]: r for r in json.loads(out)}


@pytest.fixture()
def chat_file(tmp_path: Path) -> Path:
    path = tmp_path / "chat.json"
    path.write_text(json.dumps({"messages": COOKBOOK}), encoding="utf-8")
    return path


def test_cookbook_golden(capsys, chat_file):
    recs = tokens(capsys, chat_file, "gpt-4", "gpt-3.5-turbo", "gpt-4o")
    assert (recs["gpt-4"]["input_tokens"], recs["gpt-3.5-turbo"]["input_tokens"]) == (129, 129)
    assert recs["gpt-4o"]["input_tokens"] == 124
    assert recs["gpt-4o"]["requests"] == 1


def test_cookbook_breakdown():
    for name, content, total in (("cl100k_base", 88, 129), ("o200k_base", 83, 124)):
        enc = get_tokenizer(name).encode
        assert sum(len(enc(m["content"])) for m in COOKBOOK) == content
        values = sum(len(enc(v)) for m in COOKBOOK for k, v in m.items() if k != "content")
        names = sum("name" in m for m in COOKBOOK)
        assert content + values + 3 * len(COOKBOOK) + names + 3 == total


def test_bare_list_and_text_parts(capsys, tmp_path):
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(COOKBOOK), encoding="utf-8")
    parts = tmp_path / "parts.json"
    split = [{**m, "content": [{"type": "text", "text": m["content"]},
                               {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}}]}
             for m in COOKBOOK]
    parts.write_text(json.dumps({"messages": split}), encoding="utf-8")
    assert tokens(capsys, bare, "gpt-4")["gpt-4"]["input_tokens"] == 129
    # a remote image's size is unknown: counted as OpenAI's high-detail upper bound (85 + 8 x 170), labelled
    rec = tokens(capsys, parts, "gpt-4")["gpt-4"]
    assert rec["input_tokens"] == 129 + 6 * 1445
    assert any("size unknown" in n and "upper bound" in n for n in rec["notes"])


def test_non_openai_counts_content_only(capsys, chat_file):
    # Moonshot has no pinned chat template (and no offline tokenizer): content only, and the output says so
    rec = tokens(capsys, chat_file, "moonshot-v1-8k")["moonshot-v1-8k"]
    enc = get_tokenizer("qwen").encode
    assert rec["input_tokens"] == sum(len(enc(m["content"])) for m in COOKBOOK)
    assert any("overhead is not published; content tokens only" in n for n in rec["notes"])


def test_mixtral_frames_the_chat_as_mistral_common(capsys, chat_file):
    # Mistral's framing is mistral-common's: the five system messages become one prompt on the user turn
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    rec = tokens(capsys, chat_file, "mixtral-8x22b")["mixtral-8x22b"]
    messages = [{k: v for k, v in m.items() if k != "name"} for m in COOKBOOK]
    ref = MistralTokenizer.v3().encode_chat_completion(ChatCompletionRequest(messages=messages)).tokens
    assert rec["input_tokens"] == len(ref)
    assert any("InstructTokenizerV3) encoded and counted exactly" in n for n in rec["notes"])


def test_jsonl_batch(capsys, tmp_path):
    batch = tmp_path / "batch.jsonl"
    lines = [json.dumps({"messages": COOKBOOK}),
             json.dumps({"custom_id": "r2", "method": "POST", "url": "/v1/chat/completions",
                         "body": {"model": "gpt-4", "messages": [{"role": "user", "content": "Hello there"}]}}),
             "",
             json.dumps({"messages": [{"role": "user", "content": "Hello there"}]})]
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rec = tokens(capsys, batch, "gpt-4")["gpt-4"]
    # "Hello there" = 2 tokens + role 1 + 3 per message + 3 priming = 9
    assert rec["requests"] == 3 and rec["input_tokens"] == 129 + 9 + 9
    code, out, _ = run(capsys, "cost", str(batch), "-m", "gpt-4", "--output-tokens", "10", "--requests", "2",
                       "-f", "json")
    assert code == 0 and json.loads(out)[0]["output_tokens"] == 3 * 10 * 2


def test_malformed_lines_reported(capsys, tmp_path):
    batch = tmp_path / "batch.jsonl"
    good = json.dumps({"messages": [{"role": "user", "content": "Hello there"}]})
    batch.write_text("\n".join([good, good, good, good, good, good, '{"messages": [{"role": "user" "content": 1}]}',
                                '{"no": "messages"}', good]) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "cost", str(batch), "-m", "gpt-4", "-f", "json")
    assert code == 1
    assert err.splitlines() == [f"tokcost: {batch}:7: not valid JSON (Expecting ',' delimiter)",
                                (f"tokcost: {batch}:8: not a chat request (expected {{\"messages\": [...]}} "
                                 "or body.messages)")]
    rec = json.loads(out)[0]
    assert rec["requests"] == 7 and rec["input_tokens"] == 7 * 9
    code, out, err = run(capsys, "check", str(batch), "-m", "gpt-4", "--budget", "10")
    assert code == 2 and f"{batch}:7: not valid JSON" in err and out == "could not read 2 inputs; not checked\n"


def test_not_chat_json_is_text(capsys, tmp_path):
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"rows": [1, 2, 3], "name": "not a chat"}), encoding="utf-8")
    rec = tokens(capsys, data, "gpt-4o")["gpt-4o"]
    assert rec["input_tokens"] == len(get_tokenizer("o200k_base").encode(data.read_text(encoding="utf-8")))


def test_broken_json_file_is_an_error(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"messages": [\n  {"role": "user",}\n]}', encoding="utf-8")
    code, _, err = run(capsys, "cost", str(bad), "-m", "gpt-4o")
    assert code == 1 and f"{bad}:2: not valid JSON" in err


def test_parsers():
    [req] = parse_json(json.dumps({"messages": COOKBOOK}), "x.json")
    assert (req.messages, req.names, len(req.texts)) == (6, 4, 6)
    assert parse_json('{"a": 1}', "x.json") is None
    with pytest.raises(InputError, match="message 1"):
        parse_json('{"messages": [{"content": "no role"}]}', "x.json")
    assert parse_jsonl('{"a": 1}\n{"b": 2}\n', "x.jsonl") is None
    reqs, errors = parse_jsonl('{"messages": []}\n[1\n', "x.jsonl")
    assert len(reqs) == 1 and errors == [InputProblem("x.jsonl:2", "not valid JSON (Expecting ',' delimiter)")]
