"""`skillsight export|import|keys`: signed reference and model packages between labs.

skillsight keys new                                   # once per lab: the signing key (0600)
skillsight export model suturing-scorer --out suturing.skillsight --licence CC-BY-4.0 --consent "..."
skillsight import suturing.skillsight                 # verify, show card and signer, install
skillsight import received.skillsight --verify-only   # check it without installing
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer

from skillsight import artifact_packages as artifacts
from skillsight import signing
from skillsight.data_folder import DatabaseError, default_data_dir
from skillsight.packages import OpenedPackage, PackageError, open_package, signer_lines
from skillsight.scoring.metric_display import motion_text
from skillsight.scoring.model_card import describe_card
from skillsight.scoring.reference_experts import card_experts, experts_text
from skillsight.scoring.results import EXIT_ERROR

NOT_STATED = "not stated"


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def signing_key(no_sign: bool, key: Optional[Path], data_dir: Path) -> object:
    """The key to sign with: `key`, else the lab's key when it has one; None when told not to sign."""
    if no_sign:
        return None
    path = key or signing.default_key_dir(data_dir) / signing.PRIVATE_KEY_FILE
    if key is None and not path.exists():
        typer.echo("note: no signing key (`skillsight keys new`); the package is unsigned", err=True)
        return None
    return signing.load_private_key(path)


def _card_text(opened: OpenedPackage) -> Optional[str]:
    name = opened.card.get("card")
    if name not in opened.files:
        return None
    card = artifacts.read_card_json(opened.files[str(name)])
    if opened.kind == "model":
        return describe_card(card)
    template = "with" if card.get("template") else "without"
    motion = motion_text(str(card.get("motion_kind")), str(card.get("units")))
    return (
        f"{card.get('name')} v{card.get('version')} ({card.get('procedure')}), "
        f"created {card.get('created')}\n"
        f"  {experts_text(*card_experts(card))}, {len(card.get('features') or {})} metrics from "
        f"{motion}, {template} a speed template\n"
        f"  built from: {card.get('built_from')}"
    )


def import_package(path: Path, data_dir: Path, verify_only: bool = False) -> list[Path]:
    """Verify, describe and (unless verify_only) install a package; returns the installed files."""
    with tempfile.TemporaryDirectory(prefix="skillsight-import-") as folder:
        opened = open_package(path, folder)
        artifacts.check_input_schema(opened)
        for line in [*artifacts.describe(opened, _card_text(opened)), *signer_lines(opened)]:
            typer.echo(line)
        if verify_only:
            typer.echo(f"{path}: every file matches the manifest; not installed (--verify-only)")
            return []
        installed = artifacts.install(opened, data_dir)
    for target in installed:
        typer.echo(f"installed: {target}")
    _say_installed_version(opened.kind, opened.card, installed)
    return installed


def _say_installed_version(kind: str, package_card: dict[str, Any], installed: list[Path]) -> None:
    """An installed model or reference is numbered on after those already here, so "v1" in the package
    may be "v2" here: say so, and how to pick it."""
    card_path = next((p for p in installed if p.suffix == ".json"), None)
    if kind not in artifacts.ARTIFACT_KINDS or card_path is None:
        return
    card = artifacts.read_card_json(card_path)
    typer.echo(
        f"installed as {card.get('name')} version {card.get('version')} (the package's version "
        f"{package_card.get('version')}; versions here number on after every shipped and installed one "
        f"for {card.get('procedure')}, so each name picks one file); "
        f"use it with --{kind} {card_path.stem}"
    )


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export(
        kind: str = typer.Argument(..., help="reference or model"),
        name: str = typer.Argument(..., help="A card's path, file stem, name or procedure"),
        out: Path = typer.Option(..., "--out", "-o", help="The package to write (FILE.skillsight)"),
        licence: str = typer.Option(NOT_STATED, "--licence", help="e.g. CC-BY-4.0"),
        consent: str = typer.Option(NOT_STATED, "--consent", help="How the data behind it was consented"),
        site: str = typer.Option("", "--site", help="This lab's site id (default: the database's)"),
        key: Optional[Path] = typer.Option(None, "--key", help="Private key (default: the lab's key)"),
        no_sign: bool = typer.Option(False, "--no-sign", help="Write an unsigned package"),
    ) -> None:
        """Write a reference or model package: card, files, manifest with every sha256, signature."""
        if kind not in artifacts.ARTIFACT_KINDS:
            _fail(f"export what: reference or model, not {kind!r}", code=2)
        data_dir = default_data_dir()
        try:
            artifacts.resolve_artifact(kind, name, data_dir)  # an unknown name first, before any key note
            private_key = signing_key(no_sign, key, data_dir)
            card = artifacts.export_artifact(
                kind, name, out, data_dir=data_dir, licence=licence, consent=consent,
                site=site or _stored_site(), private_key=private_key,
            )  # fmt: skip
        except (PackageError, signing.SigningError, OSError) as exc:
            _fail(str(exc))
        for field_name, value in (("licence", licence), ("consent", consent)):
            if value == NOT_STATED:
                typer.echo(f"warning: no {field_name} given (--{field_name}); receivers will ask", err=True)
        signed, n_files = card["manifest"]["signatures"], len(card["manifest"]["files"])
        files = f"{n_files} file{'' if n_files == 1 else 's'}"
        typer.echo(
            f"wrote {out}: {kind} {card['name']} v{card['version']} ({files}, "
            f"manifest sha256 {card['manifest']['sha256'][:16]}...), "
            + (f"signed by {signed[0]['fingerprint']}" if signed else "unsigned")
        )

    @app.command("import")
    def import_(
        path: Path = typer.Argument(..., help="A .skillsight package"),
        verify_only: bool = typer.Option(False, "--verify-only", help="Check it; install nothing"),
    ) -> None:
        """Verify a package (every file's sha256, the signature, the input schema) and install it."""
        try:
            import_package(path, default_data_dir(), verify_only)
        except (PackageError, OSError, ValueError) as exc:
            _fail(str(exc))

    register_keys(app)


def register_keys(app: typer.Typer) -> None:
    keys_app = typer.Typer(help="The lab's signing key for packages.", no_args_is_help=True)

    @keys_app.command("new")
    def keys_new(force: bool = typer.Option(False, "--force", help="Replace an existing key")) -> None:
        """Make the lab's Ed25519 signing key (private key readable by you only)."""
        try:
            path = signing.new_key(signing.default_key_dir(default_data_dir()), force=force)
        except signing.SigningError as exc:
            _fail(str(exc))
        _show(path)

    @keys_app.command("show")
    def keys_show() -> None:
        """The lab's public key and fingerprint (give these to the labs that receive your packages)."""
        try:
            _show(signing.default_key_dir(default_data_dir()) / signing.PRIVATE_KEY_FILE)
        except signing.SigningError as exc:
            _fail(str(exc))

    app.add_typer(keys_app, name="keys")


def _show(private_path: Path) -> None:
    public, print_ = signing.public_key_of(signing.load_private_key(private_path))
    typer.echo(f"private key: {private_path}\npublic key:  {public}\nfingerprint: {print_}")


def _stored_site() -> str:
    # Imported here: the database stack (sqlalchemy) loads only when a package is stamped with the site.
    from skillsight.lab_records import site_of
    from skillsight.storage import Database

    try:
        with Database() as db:
            return site_of(db)
    except DatabaseError:  # no usable database: the package simply names no site
        return ""
