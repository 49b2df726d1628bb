"""The `tokcost` command: a thin typer layer over the Python API. Errors are one line, never a traceback."""
from __future__ import annotations

import gc
import sys

import typer

from tokcost.cli import coercion
from tokcost.cli.render import warn
from tokcost.errors import TokcostError

app = typer.Typer(
    name="tokcost",
    help="Count tokens with real vendor tokenizers, price them from a dated, sourced catalog, "
    "and check budgets before a job runs.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from tokcost import __version__

        sys.stdout.write(f"tokcost {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True,
                                        help="Print the version and exit.")) -> None:
    """Count tokens with real vendor tokenizers, price them from a dated, sourced catalog,
    and check budgets before a job runs."""


def _plain_type(self, ctx) -> str:  # type: ignore[no-untyped-def]
    """Help shows TEXT, N, FILE or the choices, never Python types like <list[str]>."""
    desc = self.type_descriptor
    if desc.is_choice:
        return "|".join(str(getattr(c, "value", c)) for c in desc.choices or ())
    kind = desc.annotation
    args = getattr(kind, "__args__", None)
    kind = args[0] if args and getattr(kind, "__origin__", None) is list else kind
    return {int: "N", float: "X", bool: ""}.get(kind, "FILE" if desc.is_path else "TEXT")


try:  # typer >= 0.22 renders types itself; older typer (plain click) already shows TEXT/INTEGER
    from typer.core import _TyperParameter

    _TyperParameter.display_type = _plain_type  # type: ignore[method-assign]
except (ImportError, AttributeError):  # pragma: no cover
    pass

coercion.install()  # plain option values without importing pydantic (typer 0.29 would on every command)

from tokcost.cli import compare_cmds, count_cmds, price_cmds  # noqa: E402,F401  (commands register themselves on `app`)

# typer >= 0.22 vendors click; older typer uses click itself. Take the classes from typer either way.
_UsageError = typer.BadParameter.__mro__[1]
_ClickException = _UsageError.__mro__[1]


INTERRUPTED = 130  # exit code of a command stopped by Ctrl-C (SIGINT), as shells report it


def _interrupted() -> int:
    # Ignore any further SIGINT: a second one during clean-up would be an unhandled KeyboardInterrupt
    # at shutdown, and Python then kills itself with SIGINT (exit -2) instead of returning 130.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warn("interrupted")
    return INTERRUPTED


def main(argv: list[str] | None = None) -> int:
    # What start-up imported lives as long as the process: the cyclic GC need not scan it again each
    # time a command's own objects (a 5,000-file folder's index and rows) trigger a full collection
    # (~25 ms of such a run otherwise).
    gc.freeze()
    try:
        result = app(args=argv, prog_name="tokcost", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except _ClickException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `tokcost`: help, as a help request
            sys.stdout.write(exc.format_message() + "\n")
            return 0
        warn(exc.format_message().replace("\n", " "))
        return 2 if isinstance(exc, _UsageError) else exc.exit_code
    except TokcostError as exc:
        warn(str(exc))
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        return _interrupted()
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (`| head`): not an error
        return 0
    if result == INTERRUPTED:  # typer returns 130 for a Ctrl-C inside a command
        return _interrupted()
    return result if isinstance(result, int) else 0
