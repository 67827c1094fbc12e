"""`skillsight --help` lists the commands from cli.COMMANDS without importing them: the table must
name what the command modules register, with the help they give, and the listing must read as it
does with every module imported."""

from __future__ import annotations

import importlib

import typer
from test_cli_shell import modules_loaded_by
from typer.testing import CliRunner

from skillsight.cli import COMMANDS, app, module_commands


def test_the_table_names_every_command_the_modules_register_with_its_help():
    registered = {}
    for module in sorted({module for module, _ in COMMANDS.values()}):
        for name, command in module_commands(module).commands.items():
            registered[name] = (module, (command.help or "").split("\n\n")[0])
    assert registered == COMMANDS


def test_help_lists_the_commands_as_with_every_module_imported():
    """The listing as the CLI gave it when it imported every command module at start-up (in this
    order, each module registering on the top-level app)."""
    eager = typer.Typer(
        name="skillsight",
        help="Objective, explainable feedback on procedural-skills practice videos.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    eager.callback()(lambda: None)
    for module in (
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
    ):
        importlib.import_module(f"skillsight.commands.{module}").register(eager)
    runner = CliRunner()
    listed = runner.invoke(app, ["--help"], prog_name="skillsight")
    expected = runner.invoke(eager, ["--help"], prog_name="skillsight")
    assert listed.exit_code == expected.exit_code == 0
    assert listed.output == expected.output


def test_help_imports_no_command_and_no_numpy():
    heavy = ("numpy", "skillsight.commands.track", "skillsight.pose.track", "skillsight.scoring.scorer")
    assert modules_loaded_by(["--help"], heavy) == []
    assert modules_loaded_by(["track", "--help"], heavy[1:3]) == list(heavy[1:3])
