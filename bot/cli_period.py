"""`coachbot period ...`: the service period's lifecycle from the command line."""

from __future__ import annotations

import typer

period_app = typer.Typer(help="Service periods: list, start, extend, suspend, end.")
