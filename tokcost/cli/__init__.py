"""The `tokcost` command: a thin typer layer over the Python API. Errors are one line, never a traceback."""
from __future__ import annotations

import sys

import typer

from tokcost.cli.render import warn
from tokcost.errors import TokcostError

app = typer.Typer(
    name="tokcost",
    help="Count tokens with real vendor tokenizers, price them from a dated, sourced catalog, "
    "and check budgets before a job runs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _show_version(value: bool) -> None:
    if value:
        from tokcost import __version__

        typer.echo(f"tokcost {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_show_version,
                                 help="Print the version and exit."),
) -> None:
    pass


from tokcost.cli import compare_cmds, count_cmds, price_cmds  # noqa: E402,F401  (commands register themselves on `app`)

# typer >= 0.22 vendors click; older typer uses click itself. Take the classes from typer either way.
_UsageError = typer.BadParameter.__mro__[1]
_ClickException = _UsageError.__mro__[1]


INTERRUPTED = 130  # exit code of a command stopped by Ctrl-C (SIGINT), as shells report it


def main(argv: list[str] | None = None) -> int:
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
        warn("interrupted")
        return INTERRUPTED
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (`| head`): not an error
        return 0
    if result == INTERRUPTED:  # typer returns 130 for a Ctrl-C inside a command
        warn("interrupted")
    return result if isinstance(result, int) else 0
