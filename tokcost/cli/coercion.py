"""Option values of plain types (str, int, a choice, lists of them) converted without typer's pydantic adapters.

typer 0.29 converts every value (even an absent one) through a pydantic TypeAdapter: importing pydantic
and building the adapters cost about 60 ms of each command, more than a count served from the cache.
Here a value typer would surely accept is converted as typer would; anything else (a bad value, a
type not listed here) goes to typer's own adapter, so values and error messages stay typer's
(tests/test_cli_conventions.py compares the two on every option of every command).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, get_args, get_origin

_DIGITS = re.compile(r"[0-9]{1,18}")

Convert = Callable[[Any, Any], Any]  # (value, click context) -> the value typer would give, or raises _Typer


class _Typer(Exception):
    """This value is typer's to convert (or to refuse, with its own message)."""


def _typer(value: Any, ctx: Any) -> Any:
    raise _Typer


def plain_converter(annotation: Any, info: Any) -> Convert | None:
    """How to convert values of `annotation` (typer's ParameterInfo `info`), or None: typer converts them all."""
    if info.parser is not None:
        return None
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        convert = plain_converter(item, info)
        if convert is None:
            return None
        return lambda value, ctx: ([convert(v, ctx) for v in value] if isinstance(value, list | tuple)
                                   else _typer(value, ctx))
    if annotation is str:
        return lambda value, ctx: value if type(value) is str else _typer(value, ctx)
    if annotation is int and not info.clamp:
        return _integer(info.min, info.max)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _choice(tuple(annotation), info.case_sensitive)
    if annotation is bool:  # typer keeps a bool as it is, and None never gets here (RuntimeParam.coerce)
        return _typer
    return None


def _integer(low: float | None, high: float | None) -> Convert:
    def convert(value: Any, ctx: Any) -> int:
        if type(value) is int:
            number = value
        elif type(value) is str and _DIGITS.fullmatch(value):
            number = int(value)
        else:
            raise _Typer
        if (low is not None and number < low) or (high is not None and number > high):
            raise _Typer
        return number

    return convert


def _choice(choices: tuple[Enum, ...], case_sensitive: bool) -> Convert:
    from typer._param_types import coerce_cli_choice

    def convert(value: Any, ctx: Any) -> Any:
        try:
            return coerce_cli_choice(value, choices=choices, case_sensitive=case_sensitive, ctx=ctx)
        except ValueError:
            raise _Typer from None

    return convert


def install() -> bool:
    """Convert plain values here from now on (typer >= 0.29; older typer has no adapters: nothing to do)."""
    try:
        from typer._coercion import RuntimeParam, build_runtime_param
        from typer.core import _TyperParameter

        _TyperParameter.get_runtime_param  # noqa: B018  (the method this replaces)
    except (ImportError, AttributeError):  # pragma: no cover
        return False

    @dataclass(frozen=True)
    class PlainRuntimeParam(RuntimeParam):
        convert: Convert
        descriptor: Any

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                return self.convert(value, ctx)
            except _Typer:
                return build_runtime_param(self.descriptor)._coerce_value(value, param=param, ctx=ctx)

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None:
            desc = self.type_descriptor
            convert = plain_converter(desc.annotation, desc.parameter_info) if desc.file_annotation is None else None
            self._runtime_param = (build_runtime_param(desc) if convert is None else
                                   PlainRuntimeParam(desc.parameter_info, desc.annotation, convert, desc))
        return self._runtime_param

    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]
    return True
