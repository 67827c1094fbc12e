"""The `skillsight` command line: a thin shell over the same functions the app and batch use.

Each command lives in `skillsight.commands.<name>` and registers itself on the Typer app; heavy
libraries are imported inside the command bodies so `skillsight info` stays fast.
"""

from __future__ import annotations

import importlib
import sys
from typing import Optional

import typer

COMMAND_MODULES = (
    "info",
    "track",
    "score",
    "reference",
    "train",
    "batch",
    "share",
    "lab",
    "dataset",
    "sessions",
)

app = typer.Typer(
    name="skillsight",
    help="Objective, explainable feedback on procedural-skills practice videos.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Track practice videos, score them against expert references, and explain the score."""


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"skillsight.commands.{_name}")
    except ModuleNotFoundError as exc:  # a command still being built must not break the others
        if exc.name != f"skillsight.commands.{_name}":
            raise
        continue
    _module.register(app)


def main(argv: Optional[list[str]] = None) -> None:
    """Console-script entry point."""
    app(args=argv if argv is not None else sys.argv[1:], prog_name="skillsight")


if __name__ == "__main__":
    main()
