"""tokcost: count tokens with real vendor tokenizers and turn counts into money.

The Python API is importable without loading any tokenizer library; they load on first use.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "check", "cost", "count"]

if TYPE_CHECKING:
    from tokcost.check_api import check
    from tokcost.cost_api import cost
    from tokcost.count_api import count


def __getattr__(name: str) -> Any:
    if name == "count":
        from tokcost.count_api import count

        return count
    if name == "cost":
        from tokcost.cost_api import cost

        return cost
    if name == "check":
        from tokcost.check_api import check

        return check
    raise AttributeError(f"module 'tokcost' has no attribute {name!r}")
