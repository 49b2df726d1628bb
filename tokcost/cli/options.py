"""Command-line options that several commands share, declared once (name, default and help)."""
from __future__ import annotations

import typer

from tokcost.cli.render import Format

FormatOpt = typer.Option(Format.table, "--format", "-f", help="table, json or csv.")
EncodingOpt = typer.Option(None, "--encoding", help="Force an encoding (default: detect).")
JobsOpt = typer.Option(None, "--jobs", "-j", min=1, help="Counting threads or processes (default: all cores).")
NoCacheOpt = typer.Option(False, "--no-cache", help="Do not use or update the count cache.")
AsOfOpt = typer.Option(None, "--as-of", help="Prices in effect on YYYY-MM-DD (default: newest).")
SchedulerOpt = typer.Option(
    None, "--scheduler",
    help="Count on a Dask cluster at tcp://HOST:PORT (needs tokcost[dask]; default: this machine).")
