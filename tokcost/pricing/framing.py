"""A chat request's prompt tokens for one model: messages, chat framing, tools and images.

- OpenAI models: messages with the cookbook's per-message overhead (tokcost.pricing.jobs), tools by
  the cookbook's tool rule for the model's encoding (tokcost.pricing.tools).
- Open-weight vendors with a pinned chat template (tokcost.pricing.templates): the whole request
  rendered by the template, tools included where the template renders them; Mistral's requests
  encoded as mistral-common encodes them (tokcost.pricing.mistral_chat).
- Everyone else: the messages' content, plus the tools' JSON text; both labelled.
- Images: each vendor's image rule (tokcost.pricing.images); unknown sizes make a labelled range.

Every part that is not counted exactly comes back as a note.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from tokcost.errors import UsageError
from tokcost.pricing.images import image_tokens
from tokcost.pricing.money import Amount
from tokcost.pricing.tools import COOKBOOK, RULES

if TYPE_CHECKING:
    from tokcost.pricing.catalog import ModelRecord
    from tokcost.pricing.jobs import Request

OPENAI_VENDORS = frozenset({"openai"})


def template_name(model: ModelRecord) -> str | None:
    """The chat template that frames this model's requests (exact counts of open-weight vendors only)."""
    from tokcost.pricing.templates import template_for

    if model.vendor in OPENAI_VENDORS or model.count_kind != "exact":
        return None
    spec = template_for(model.id, model.tokenizer)
    return spec.name if spec else None


def prompt_tokens(req: Request, model: ModelRecord, tokenizer: str) -> tuple[int, list[str]]:
    """Text, framing and tool tokens of one request counted with `tokenizer` (no images)."""
    if not req.chat:
        return req.content[tokenizer], []
    notes = list(req.approx)
    if model.vendor in OPENAI_VENDORS:
        return req.tokens(tokenizer, True) + _openai_tools(req, tokenizer, notes), notes
    template = template_name(model) if tokenizer == model.tokenizer else None
    if template is not None and template in req.template_refusals:  # an error for this model only
        raise UsageError(f"{req.label}: {req.template_refusals[template]}")
    if template is not None and template in req.templated:
        notes.append(req.template_notes[template])
        n = req.templated[template]
        if req.tools is not None and not _renders_tools(template):
            n += req.tool_json[tokenizer]
            notes.append(f"tools: {template}'s framing does not render tools; their JSON text is counted "
                         "(not exact)")
        return n, notes
    notes.append(f"chat inputs: {model.vendor_name}'s chat-format overhead is not published; content tokens only")
    n = req.content[tokenizer]
    if req.tools is not None:
        n += req.tool_json[tokenizer]
        notes.append(f"tools: {model.vendor_name} publishes no tool-token rule; the tools' JSON text is counted "
                     "(not exact)")
    return n, notes


def _openai_tools(req: Request, tokenizer: str, notes: list[str]) -> int:
    if req.tools is None:
        return 0
    rule = RULES.get(tokenizer)
    if rule is None:
        notes.append(f"tools: no published rule for {tokenizer}; the tools' JSON text is counted (not exact)")
        return req.tool_json[tokenizer]
    if req.tools.gaps:
        notes.append(f"tools: {COOKBOOK}; outside the rule, counted approximately: {'; '.join(req.tools.gaps)}")
    else:
        notes.append(f"tools: {COOKBOOK}")
    return req.tools.rule_tokens(rule, req.tool_lines[tokenizer])


def _renders_tools(template: str) -> bool:
    from tokcost.pricing.templates import renders_tools

    return renders_tools(template)


def image_amount(req: Request, model: ModelRecord) -> tuple[Amount, list[str]]:
    """Input tokens of a request's images for this model (a range where a size is unknown)."""
    low = high = 0
    notes = []
    for part in req.images:
        lo, hi, note = image_tokens(part, model.vendor, model.id)
        low, high = low + lo, high + hi
        notes.append(f"{req.label}: {note}")
    return Amount(Decimal(low), Decimal(high)), notes
