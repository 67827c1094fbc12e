"""`skillsight --help` lists the commands from cli.COMMANDS without importing them: the table must
name what the command modules register, with the help they give, and the listing must read as it
does with every module imported."""

from __future__ import annotations

import importlib
import re

import click.testing
import pytest
import typer
from test_cli_shell import modules_loaded_by
from typer.testing import CliRunner

from skillsight.cli import COMMANDS, app, module_commands, reflow_helps


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
    group = typer.main.get_group(eager)
    reflow_helps(group)  # as module_commands does: paragraphs wrapped at the terminal's width
    listed = CliRunner().invoke(app, ["--help"], prog_name="skillsight")
    expected = click.testing.CliRunner().invoke(group, ["--help"], prog_name="skillsight")
    assert listed.exit_code == expected.exit_code == 0
    assert listed.output == expected.output


def test_help_imports_no_command_and_no_numpy():
    heavy = ("numpy", "skillsight.commands.track", "skillsight.pose.track", "skillsight.scoring.scorer")
    assert modules_loaded_by(["--help"], heavy) == []
    assert modules_loaded_by(["track", "--help"], heavy[1:3]) == list(heavy[1:3])


def _short_lines_inside_paragraphs(text: str, width: int = 60) -> list[str]:
    """Lines shorter than `width` that a line of the same paragraph follows (its last line may be short)."""
    lines = [line.rstrip() for line in text.splitlines()]
    inside = [line for line, following in zip(lines, lines[1:]) if line.strip() and following.strip()]
    return [line for line in inside if len(line) < width]


@pytest.mark.parametrize("command", [["batch"], ["sessions", "export"]], ids=" ".join)
def test_help_at_80_columns_breaks_lines_only_where_the_terminal_is_full(command):
    """Typer kept a docstring's own line breaks, so at 80 columns a paragraph read "skipped on later runs
    until" / "it changes": a line of a paragraph ends short only where the paragraph ends."""
    shown = CliRunner().invoke(app, [*command, "--help"], prog_name="skillsight", env={"COLUMNS": "80"})
    assert shown.exit_code == 0, shown.output
    description = shown.output.split("Usage:")[1].split("╭")[0].split("\n", 1)[1]  # before the panels
    assert description.strip() and _short_lines_inside_paragraphs(description) == []


def test_the_command_listing_at_80_columns_breaks_lines_only_where_the_terminal_is_full():
    shown = CliRunner().invoke(app, ["--help"], prog_name="skillsight", env={"COLUMNS": "80"})
    commands = shown.output.split("Commands ")[1]
    # A row's continuation starts in the description column; the row before it must be full.
    rows = [line.strip("│").rstrip() for line in commands.splitlines()]
    short = [r for r, nxt in zip(rows, rows[1:]) if nxt.startswith(" " * 12) and nxt.strip() and len(r) < 60]
    assert short == []


def test_batch_options_read_whole_at_80_columns():
    """The --participants help (its CSV header written as one long word) and the --dask metavar were cut."""
    shown = CliRunner().invoke(app, ["batch", "--help"], prog_name="skillsight", env={"COLUMNS": "80"})
    assert "dominant_hand" in shown.output and "dominant…" not in shown.output
    assert "ADDRESS|local" in shown.output


def _every_command() -> list[list[str]]:
    paths = []
    for name, (module_name, _) in COMMANDS.items():
        command = module_commands(module_name).commands[name]
        paths.append([name])
        if isinstance(command, click.Group):
            paths += [[name, sub] for sub in command.commands]
    return paths


def test_no_help_text_is_cut_at_80_columns():
    """`$SKILLSIGHT_MAX_UNDECODABLE` is one word longer than the help column: rich cut it with "…" in
    `score --help` and `batch --help`. No command's help loses a word at 80 columns."""
    cut = {}
    for path in _every_command():
        shown = CliRunner().invoke(app, [*path, "--help"], prog_name="skillsight", env={"COLUMNS": "80"})
        assert shown.exit_code == 0, (path, shown.output)
        cut.update({" ".join(path): line for line in shown.output.splitlines() if "…" in line})
    assert cut == {}


def test_arguments_are_named_in_capitals_as_the_readme_and_batch_write_them():
    """`score --help` read "skillsight score [OPTIONS] {source}" beside batch's "{INPUT}" and the README's
    "skillsight score VIDEO_OR_MOTION": every argument is in capitals."""
    lowercase = {}
    for path in _every_command():
        shown = CliRunner().invoke(app, [*path, "--help"], prog_name="skillsight", env={"COLUMNS": "200"})
        usage = next(line for line in shown.output.splitlines() if "Usage:" in line)
        lowercase.update({" ".join(path): usage.strip() for _ in re.findall(r"[{\[][a-z_]+[}\]]", usage)})
    assert lowercase == {}
