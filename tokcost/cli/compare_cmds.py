"""`tokcost compare`: tokenizer x corpus measurements, the rules-of-thumb audit, and reports."""
from __future__ import annotations

from pathlib import Path

import typer

from tokcost.cli import app
from tokcost.cli.options import AsOfOpt, JobsOpt, NoCacheOpt
from tokcost.cli.progress import byte_progress
from tokcost.cli.render import Format, echo_wrapped, json_text, print_json, print_table, warn
from tokcost.errors import UsageError

REPORT_KINDS = (".html", ".md", ".json")


def _command_line() -> str:
    import shlex
    import sys

    return "tokcost " + shlex.join(sys.argv[1:])


def _render(comp, kind: str) -> str:
    if kind == ".html":
        from tokcost.comparison.html import html_report
        return html_report(comp, _command_line())
    if kind == ".md":
        from tokcost.comparison.markdown import markdown
        return markdown(comp)
    return json_text(comp.to_json())


def _print_tables(comp) -> None:
    from tokcost.comparison.markdown import sections

    for s in sections(comp):
        if not s.detail:
            print_table(s.title, s.columns, s.rows, numeric=s.columns[s.numeric:], optional=_OPTIONAL)
            if s.note:
                echo_wrapped(f"({s.note})\n")
    for note in comp.notes:
        echo_wrapped(f"note: {note}")


_OPTIONAL = ["source", "price", "applies to"]


@app.command("compare")
def compare_command(
    paths: list[str] = typer.Argument(None, help="Files, folders (recursive) or globs to measure."),
    corpus: list[str] | None = typer.Option(None, "--corpus", "-c",
                                               help="A bundled corpus by name, or `all`; may repeat."),
    tokenizer: list[str] | None = typer.Option(None, "--tokenizer", "-t",
                                                  help="Tokenizers to measure (default: every available one)."),
    model: list[str] | None = typer.Option(None, "--model", "-m",
                                              help="Models to price, comma-separated or repeated, or `all` "
                                              "(default: the documents' 1-CNY chart models + gpt-4o)."),
    report: Path | None = typer.Option(None, "--report", "-r",
                                       help="Write a self-contained report: FILE.html, FILE.md or FILE.json."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table or json (stdout)."),
    readme_table: bool = typer.Option(False, "--readme-table",
                                      help="Print only the README's measured chars/token and han/token block."),
    update_readme: Path | None = typer.Option(None, "--update-readme",
                                              help="Write that block into this README (between its markers)."),
    output_ratio: str = typer.Option("0", "--output-ratio", help="Output tokens = input x R when pricing."),
    currency: str = typer.Option("CNY", "--currency", help="CNY or USD for the costs."),
    as_of: str | None = AsOfOpt,
    jobs: int | None = JobsOpt,
    no_cache: bool = NoCacheOpt,
) -> None:
    """Measure every tokenizer on corpora: chars/words/han/bytes per token, the rules of thumb's errors,
    the Chinese premium, corpus costs per model and how many tokens 1 CNY buys."""
    from tokcost.comparison.analysis import compare

    if fmt is Format.csv:
        raise UsageError("compare writes table or json (use --report FILE.md for Markdown tables)")
    kind = report.suffix.lower() if report else None
    if kind is not None and kind not in REPORT_KINDS:
        raise UsageError(f"--report {report}: the file name must end in {', '.join(REPORT_KINDS)}")
    readme_only = readme_table or update_readme is not None
    with byte_progress() as meter:
        comp = compare(paths or [], corpora=corpus or [], tokenizers=tokenizer,
                       models=[] if readme_only else model, output_ratio=output_ratio, currency=currency,
                       as_of=as_of, jobs=jobs, cache=not no_cache, on_bytes=meter.advance if meter else None,
                       on_total=meter.total if meter else None)
    for error in comp.errors:
        warn(str(error))
    if readme_only:
        _readme(comp, readme_table, update_readme)
    elif fmt is Format.json:
        print_json(comp.to_json())
    else:
        _print_tables(comp)
    if report is not None:
        report.write_text(_render(comp, kind), encoding="utf-8")
        warn(f"wrote {report} ({len(comp.corpora)} corpora x {len(comp.tokenizers)} tokenizers, {comp.seconds:.1f} s)")
    if comp.errors:
        raise typer.Exit(1)


def _readme(comp, show: bool, readme: Path | None) -> None:
    from tokcost.comparison.markdown import measured_table, replace_block

    block = measured_table(comp)
    if show:
        typer.echo(block)
    if readme is not None:
        text = readme.read_text(encoding="utf-8") if readme.exists() else ""
        readme.write_text(replace_block(text, block), encoding="utf-8")
        warn(f"updated the measured table in {readme}")
