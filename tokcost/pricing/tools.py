"""Tool (function) schemas sent with a chat request, counted by OpenAI's published rule.

The rule is OpenAI's cookbook "How to count tokens with tiktoken", section 7 (`num_tokens_for_tools`):
per function `func_init` + tokens of "name:description" (a trailing "." dropped); when it has
properties `prop_init`, then per property `prop_key` + tokens of "key:type:description" (trailing "."
dropped), and for an enum `enum_init` + per item `enum_item` + the item's tokens; `func_end` once
after all functions. The constants are per encoding: gpt-4o / gpt-4o-mini (o200k_base) 7/3/3/-3/3/12,
gpt-3.5-turbo / gpt-4 (cl100k_base) 10/3/3/-3/3/12. The cookbook prints 101 (gpt-4o) and 105 (gpt-4)
prompt tokens for its weather example, equal to the API's usage; tests/test_tools.py reproduces both.

The rule covers flat properties with a type and a description. Anything else (nested objects, arrays'
item schemas, a missing description, non-function tools) is counted by the same rule on what it can
read and labelled approximate. Vendors without a published rule get the tools' JSON text counted,
labelled as such.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ToolRule:
    func_init: int
    prop_init: int
    prop_key: int
    enum_init: int
    enum_item: int
    func_end: int


COOKBOOK = "OpenAI cookbook rule (How to count tokens with tiktoken, tools)"
RULES = {
    "o200k_base": ToolRule(7, 3, 3, -3, 3, 12),
    "cl100k_base": ToolRule(10, 3, 3, -3, 3, 12),
}


@dataclass(frozen=True)
class ToolShape:
    """What the rule needs from a request's tools: the texts to encode and the structure counts."""

    lines: tuple[str, ...]  # "name:desc", "key:type:desc" and enum items, each encoded on its own
    functions: int
    props_blocks: int  # functions that have at least one property
    props: int
    enums: int
    enum_items: int
    json_text: str  # the tools as JSON, for vendors without a rule
    gaps: tuple[str, ...] = field(default=())  # what the rule does not cover (empty: within the rule)

    def rule_tokens(self, rule: ToolRule, line_tokens: int) -> int:
        return (rule.func_init * self.functions + line_tokens + rule.prop_init * self.props_blocks
                + rule.prop_key * self.props + rule.enum_init * self.enums + rule.enum_item * self.enum_items
                + rule.func_end)


def _strip_dot(text: str) -> str:
    return text[:-1] if text.endswith(".") else text


def _function_of(tool: Any, gaps: list[str]) -> dict[str, Any] | None:
    if isinstance(tool, dict) and isinstance(tool.get("function"), dict):
        if tool.get("type", "function") != "function":
            gaps.append(f"tool type {tool.get('type')!r}")
        return tool["function"]
    if isinstance(tool, dict) and "name" in tool:  # legacy `functions` entries
        return tool
    gaps.append("a tool that is not a function schema")
    return None


def _property_lines(key: str, prop: Any, shape: dict[str, int], lines: list[str], gaps: list[str]) -> None:
    if not isinstance(prop, dict):
        gaps.append(f"property {key!r} is not an object")
        return
    ptype = prop.get("type")
    if not isinstance(ptype, str):
        gaps.append(f"property {key!r} has type {ptype!r}")
    if ptype in ("object", "array") and ("properties" in prop or "items" in prop):
        gaps.append(f"property {key!r} is a nested {ptype}")
    desc = prop.get("description")
    if not isinstance(desc, str):
        gaps.append(f"property {key!r} has no description")
        desc = ""
    if isinstance(prop.get("enum"), list):
        shape["enums"] += 1
        for item in prop["enum"]:
            shape["enum_items"] += 1
            lines.append(item if isinstance(item, str) else json.dumps(item))
    lines.append(f"{key}:{ptype if isinstance(ptype, str) else json.dumps(ptype)}:{_strip_dot(desc)}")


def tool_shape(tools: list[Any]) -> ToolShape:
    """Raises ValueError when `tools` is not a list."""
    if not isinstance(tools, list):
        raise ValueError("tools must be a list")
    lines: list[str] = []
    gaps: list[str] = []
    shape = {"functions": 0, "props_blocks": 0, "props": 0, "enums": 0, "enum_items": 0}
    for tool in tools:
        fn = _function_of(tool, gaps)
        if fn is None:
            continue
        shape["functions"] += 1
        desc = fn.get("description")
        if not isinstance(desc, str):
            gaps.append(f"function {fn.get('name')!r} has no description")
            desc = ""
        lines.append(f"{fn.get('name', '')}:{_strip_dot(desc)}")
        params = fn.get("parameters")
        params = params if isinstance(params, dict) else {}
        props = params.get("properties")
        props = props if isinstance(props, dict) else {}
        if props:
            shape["props_blocks"] += 1
        for key, prop in props.items():
            shape["props"] += 1
            _property_lines(key, prop, shape, lines, gaps)
    text = json.dumps(tools, ensure_ascii=False)
    return ToolShape(tuple(lines), json_text=text, gaps=tuple(dict.fromkeys(gaps)), **shape)
