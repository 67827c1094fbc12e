"""The `skillsight` command line: a thin shell over the same functions the app and batch use.

Each command lives in `skillsight.commands.<module>` and registers itself on a Typer app (`register`).
`COMMANDS` names them with the line `skillsight --help` shows, so listing them imports no command
module (nor numpy, MediaPipe or the scorer they import at their top): a command's module is imported
when that command is run or asked for its own help. tests/unit/skillsight/test_cli_commands.py keeps
the table in step with what the modules register.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
from collections.abc import Iterator, Mapping
from typing import Any, Optional

import typer
import typer.core
import typer.main
from typer.core import TyperCommand, TyperGroup

# command -> (its module in skillsight.commands, the first paragraph of its help as --help lists it)
COMMANDS: dict[str, tuple[str, str]] = {
    "info": (
        "info",
        "Print versions, platform and where the models come from (paste this into bug reports).",
    ),
    "track": ("track", "Track hands and/or body in a practice video and save the motion."),
    "score": (
        "score",
        "Score a practice against the expert reference, with ranked feedback (exit 0 scored, 3 refused, "
        "4 out of domain, 5 damaged, 1 error, 2 usage).",
    ),
    "train": (
        "train",
        "Cross-validate a scorer on a labelled dataset (accuracy, macro-F1, GRS Spearman, MAE).",
    ),
    "batch": ("batch", "Score many videos; finished ones are skipped on a rerun, failed ones retried."),
    "export": (
        "share",
        "Write a reference or model package: card, files, manifest with every sha256, signature.",
    ),
    "import": (
        "share",
        "Verify a package (every file's sha256, the signature, the input schema) and install it.",
    ),
    "rate": ("lab", "Record an educator's rating (GRS and OSATS items) of a session, or a CSV of them."),
    "consent": (
        "lab",
        "Record a trainee's consent to share their motion (only consented sessions are exported).",
    ),
    "site": ("lab", "Show or set this lab's site id (written into every package it exports)."),
    "reference": ("reference", "Build and inspect expert references."),
    "keys": ("share", "The lab's signing key for packages."),
    "dataset": ("dataset", "Share practice as motion-only datasets."),
    "sessions": ("sessions", "Stored sessions and the definitions that read them."),
}


@functools.cache
def module_commands(module_name: str) -> TyperGroup:
    """The commands one module of skillsight.commands registers, as a group (imports the module once:
    a command is looked up more than once while it is parsed and run)."""
    module = importlib.import_module(f"skillsight.commands.{module_name}")
    registered = typer.Typer()
    module.register(registered)
    group = typer.main.get_group(registered)
    reflow_helps(group)
    return group


def reflow(text: str) -> str:
    """A docstring's paragraphs as one line each, so the terminal wraps them at its width: Typer keeps a
    docstring's line breaks, which at 80 columns broke lines mid-sentence. A paragraph with an indented
    or bulleted line keeps its lines."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    kept = [
        p
        if any(line[:1].isspace() or line[:2] in ("- ", "* ", "• ") for line in p.split("\n"))
        else p.replace("\n", " ")
        for p in paragraphs
    ]
    return "\n\n".join(kept)


def reflow_helps(command: Any) -> None:
    if getattr(command, "help", None):
        command.help = reflow(command.help)
    for param in getattr(command, "params", None) or ():
        if isinstance(param, typer.core.TyperArgument) and not param.metavar and param.name:
            param.metavar = param.name.upper()  # "{SOURCE}" as the README writes it (was "{source}")
    for sub in (getattr(command, "commands", None) or {}).values():
        reflow_helps(sub)


class _CommandTable(Mapping[str, Any]):
    """COMMANDS as a group's commands: names without imports, a command's module imported on lookup."""

    def __getitem__(self, name: str) -> Any:
        if name not in COMMANDS:
            raise KeyError(name)
        return module_commands(COMMANDS[name][0]).commands[name]

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class CommandsOnDemand(TyperGroup):
    """The top-level group: its commands come from COMMANDS, each imported when it is chosen; its own
    help lists them from the table."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _CommandTable()  # type: ignore[assignment]
        self._listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if self._listing and cmd_name in COMMANDS:
            return TyperCommand(cmd_name, help=reflow(COMMANDS[cmd_name][1]))
        return self.commands.get(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="skillsight",
    help="Objective, explainable feedback on procedural-skills practice videos.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=CommandsOnDemand,
)


@app.callback()
def _root() -> None:
    """Track practice videos, score them against expert references, and explain the score."""


def main(argv: Optional[list[str]] = None) -> None:
    """Console-script entry point."""
    app(args=argv if argv is not None else sys.argv[1:], prog_name="skillsight")


if __name__ == "__main__":
    main()
