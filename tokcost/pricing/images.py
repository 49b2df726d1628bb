"""Image parts of chat requests: their size (read from the file's header when it is local or inline)
and their input tokens by the vendor's published rule (tokcost/data/images.toml).

A size that cannot be known (a remote URL, an unreadable file) is counted as the rule's upper bound
(`max_tokens`) with the lower bound at the rule's minimum, so the cost is a range whose high end a
budget check tests; a vendor that publishes no rule is counted with OpenAI's high-detail tile rule
and says so. An image is never counted as zero tokens. A model that takes no images (kind "none")
refuses the request: its API would reject it, so no price of it is true (TextOnly).
"""
from __future__ import annotations

import base64
import binascii
import math
import struct
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tokcost.errors import DataError, TokcostError
from tokcost.paths import data_text

_KINDS = {"tiles": ("base", "per_tile", "tile", "fit", "short"), "pixels": ("long_edge", "pixels_per_token"),
          "fixed": ("tokens",), "resize": ("factor", "min_pixels", "max_pixels", "extra"),
          "grid": ("patch", "long_edge"), "none": ()}
_COMMON = ("id", "vendor", "models", "kind", "source", "max_tokens")


class TextOnly(TokcostError):
    """An image part sent to a model that takes text only."""


@dataclass(frozen=True)
class ImagePart:
    """One image in a request; width/height None when the size cannot be read."""

    width: int | None
    height: int | None
    detail: str  # "low", "high" or "auto"
    where: str  # "data URL", a file path or a URL
    why_unknown: str = ""


@dataclass(frozen=True)
class ImageRule:
    id: str
    vendor: str
    models: tuple[str, ...]
    kind: str
    source: str
    max_tokens: int
    params: dict[str, int]

    def matches(self, model_id: str) -> int:
        """The length of the longest `models` entry naming this model (0: none). A prefix, except for
        kind "none", whose entries are ids (and their snapshots `id-...`): glm-4 is text-only, glm-4v is not."""
        if self.kind == "none":
            return max((len(m) for m in self.models if model_id == m or model_id.startswith(m + "-")), default=0)
        return max((len(m) for m in self.models if model_id.startswith(m)), default=0)

    def tokens(self, width: int, height: int, detail: str) -> int:
        p = self.params
        if self.kind == "fixed":
            return p["tokens"]
        if self.kind == "resize":
            h, w = smart_resize(height, width, p["factor"], p["min_pixels"], p["max_pixels"])
            return (h // p["factor"]) * (w // p["factor"]) + p["extra"]
        if self.kind == "grid":
            cols, rows = _grid(width, height, p["patch"], p["long_edge"])
            return cols * rows + rows
        if self.kind == "pixels":
            scale = min(1.0, p["long_edge"] / max(width, height))
            w, h = math.floor(width * scale), math.floor(height * scale)
            return min(self.max_tokens, math.ceil(w * h / p["pixels_per_token"]))
        if detail == "low":
            return p["base"]
        w, h = _fit(width, height, p["fit"])
        if min(w, h) > p["short"]:
            scale = p["short"] / min(w, h)
            w, h = math.floor(w * scale), math.floor(h * scale)
        return p["base"] + p["per_tile"] * math.ceil(w / p["tile"]) * math.ceil(h / p["tile"])

    def low_bound(self, detail: str) -> int:
        """The fewest tokens any image can cost under this rule (for an unknown size)."""
        p = self.params
        if self.kind == "fixed":
            return p["tokens"]
        if self.kind == "resize":
            return p["min_pixels"] // p["factor"] ** 2 + p["extra"]
        if self.kind == "grid":
            return 2  # one patch and its [IMG_END]
        if self.kind == "pixels":
            return 1
        return p["base"] + (0 if detail == "low" else p["per_tile"])

    def high_bound(self, detail: str) -> int:
        return self.params["base"] if self.kind == "tiles" and detail == "low" else self.max_tokens


def smart_resize(height: int, width: int, factor: int, min_pixels: int, max_pixels: int) -> tuple[int, int]:
    """Qwen2-VL's resize (qwen-vl-utils `smart_resize`, transformers' Qwen2VLImageProcessor): each side
    rounded to a multiple of `factor`, then the area scaled into [min_pixels, max_pixels]."""
    h_bar, w_bar = round(height / factor) * factor, round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar, w_bar = math.ceil(height * beta / factor) * factor, math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


def _grid(width: int, height: int, patch: int, long_edge: int) -> tuple[int, int]:
    """Pixtral's patch grid (mistral-common ImageEncoder `_image_to_num_tokens`): columns, rows."""
    ratio = max(width / long_edge, height / long_edge)
    if ratio > 1:
        width, height = max(round(width / ratio), 1), max(round(height / ratio), 1)
    return (width - 1) // patch + 1, (height - 1) // patch + 1


def _fit(width: int, height: int, box: int) -> tuple[int, int]:
    if max(width, height) <= box:
        return width, height
    scale = box / max(width, height)
    return math.floor(width * scale), math.floor(height * scale)


@cache
def image_rules() -> tuple[ImageRule, ...]:
    text = data_text("images.toml")
    return tuple(_rule(i, raw) for i, raw in enumerate(tomllib.loads(text)["rule"], 1))


def _rule(i: int, raw: dict[str, Any]) -> ImageRule:
    kind = raw.get("kind")
    if kind not in _KINDS:
        raise DataError(f"images.toml rule #{i}: kind must be one of {', '.join(_KINDS)}")
    allowed = (set(_COMMON) - ({"max_tokens"} if kind == "none" else set())) | set(_KINDS[kind])
    unknown, missing = set(raw) - allowed, allowed - set(raw)
    if unknown or missing:
        raise DataError(f"images.toml rule #{i}: unknown keys {sorted(unknown)}, missing {sorted(missing)}")
    params = {k: raw[k] for k in _KINDS[kind]}
    top = raw.get("max_tokens", 1)
    if not all(isinstance(v, int) and v > 0 for v in [*params.values(), top]):
        raise DataError(f"images.toml rule #{i}: figures must be positive whole numbers")
    if kind == "none" and not raw["models"]:
        raise DataError(f"images.toml rule #{i}: a text-only rule names its models")
    return ImageRule(raw["id"], raw["vendor"], tuple(raw["models"]), kind, raw["source"], top, params)


def rule_for(vendor: str, model_id: str) -> tuple[ImageRule, bool]:
    """The rule for a model (its longest matching `models` entry), and whether it is the vendor's own
    (False: OpenAI's stands in)."""
    rules = image_rules()
    named = [(r.matches(model_id), r) for r in rules if r.vendor == vendor]
    best = max(named, key=lambda x: x[0], default=(0, None))
    if best[1] is not None and best[0] > 0:
        return best[1], True
    for r in rules:
        if r.vendor == vendor and not r.models:
            return r, True
    return next(r for r in rules if r.id == "openai-tiles"), False


def image_tokens(part: ImagePart, vendor: str, model_id: str) -> tuple[int, int, str]:
    """(low, high, note) tokens for one image; low == high when the size is known."""
    rule, own = rule_for(vendor, model_id)
    if rule.kind == "none":
        raise TextOnly(f"takes text only ({rule.source}); its API would reject the image part "
                       f"({part.where}): remove it or price a vision model")
    detail = part.detail if part.detail in ("low", "high") else "high"
    if part.width is None or part.height is None:
        low, high = rule.low_bound(detail), rule.high_bound(detail)
        note = f"image ({part.where}): size unknown ({part.why_unknown}): {low}\u2013{high} tokens, upper bound"
    else:
        low = high = rule.tokens(part.width, part.height, detail)
        note = f"image ({part.where}, {part.width}x{part.height}, detail {part.detail}): {high} tokens"
    if part.detail == "auto" and rule.kind == "tiles":
        note += " (detail auto: counted as high, the upper bound)"
    if own:
        note += f" by {rule.source}"
    else:
        note += f"; {vendor} publishes no image rule: OpenAI's tile rule stands in (not exact)"
    return low, high, note


# ---------------------------------------------------------------- reading sizes

def image_part(part: dict[str, Any], base: Path | None) -> ImagePart:
    """An OpenAI `image_url` part (or `{"type": "image", ...}`) -> its size where it can be read."""
    spec = part.get("image_url", part.get("image"))
    url = spec.get("url") if isinstance(spec, dict) else spec
    detail = spec.get("detail", "auto") if isinstance(spec, dict) else "auto"
    if not isinstance(url, str):
        return ImagePart(None, None, detail, "image part", "no url")
    if url.startswith("data:"):
        head, _, payload = url.partition(",")
        try:
            data = base64.b64decode(payload[:65536 - 65536 % 4], validate=False) if ";base64" in head else b""
        except (binascii.Error, ValueError):
            data = b""
        return _sized(data, detail, "data URL")
    if url.startswith(("http://", "https://")):
        return ImagePart(None, None, detail, url if len(url) <= 60 else url[:57] + "...", "remote URL, not fetched")
    path = Path(url.removeprefix("file://"))
    if base is not None and not path.is_absolute():
        path = base / path
    try:
        with path.open("rb") as fh:
            data = fh.read(65536)
    except OSError as exc:
        return ImagePart(None, None, detail, str(path), f"cannot read: {exc.strerror}")
    return _sized(data, detail, str(path))


def _sized(data: bytes, detail: str, where: str) -> ImagePart:
    size = image_size(data)
    if size is None:
        return ImagePart(None, None, detail, where, "not a PNG, JPEG, GIF or WebP header")
    return ImagePart(size[0], size[1], detail, where)


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, GIF, WebP or JPEG header; None if unrecognised."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8 " and len(data) >= 30:
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length
    return None
