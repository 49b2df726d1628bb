"""tokcost: count tokens with real vendor tokenizers and turn counts into money.

The Python API is importable without loading any tokenizer library; they load on first use.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "check", "compare", "cost", "count"]

if TYPE_CHECKING:
    from tokcost.comparison.analysis import compare
    from tokcost.counting.api import count
    from tokcost.pricing.check import check
    from tokcost.pricing.cost import cost


def __getattr__(name: str) -> Any:
    if name == "count":
        from tokcost.counting.api import count

        return count
    if name == "cost":
        from tokcost.pricing.cost import cost

        return cost
    if name == "check":
        from tokcost.pricing.check import check

        return check
    if name == "compare":
        from tokcost.comparison.analysis import compare

        return compare
    raise AttributeError(f"module 'tokcost' has no attribute {name!r}")
