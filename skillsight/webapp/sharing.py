"""The Educator tab's sharing section: import packages from other labs, list them, rate sessions.

`build_sharing_section(c)` adds the components (called at the end of the Educator tab's builder);
`wire_sharing(demo, page, service)` connects them. The handlers below are plain functions of the
service, so tests call them without a browser.
"""

from __future__ import annotations

import html
import json
import tempfile
from pathlib import Path
from typing import Any, Optional

import gradio as gr

from skillsight import artifact_packages as artifacts
from skillsight.lab_records import OSATS_ITEMS, RecordError, record_consent, record_rating, set_site, site_of
from skillsight.packages import PackageError, open_package, signer_lines
from skillsight.scoring.results import SKILL_LEVELS

PACKAGE_COLUMNS = ["kind", "file", "name", "version", "procedure", "from site", "signed by", "licence"]


def import_uploaded(service: Any, upload: Optional[str]) -> str:
    """Verify and install an uploaded package; Markdown for the page (refusals name the file)."""
    if not upload:
        return "Choose a `.skillsight` package first."
    try:
        with tempfile.TemporaryDirectory(prefix="skillsight-import-") as folder:
            opened = open_package(Path(upload), folder)
            installed = artifacts.install(opened, service.data_dir)
            lines = [*artifacts.describe(opened), *signer_lines(opened)]
    except (PackageError, OSError, ValueError) as exc:
        return f"**Refused:** {html.escape(str(exc))}"
    shown = "\n".join(html.escape(line) for line in lines)
    names = ", ".join(f"`{p.name}`" for p in installed)
    return (
        f"**Installed** {names}. Compare the fingerprint with the one the sending lab published "
        f"before relying on it.\n\n```\n{shown}\n```"
    )


def _origin(card: dict[str, Any]) -> tuple[str, str, str]:
    imported = card.get("imported") or {}
    if imported:
        return (
            str(imported.get("site") or "?"),
            ", ".join(imported.get("signers") or ["unsigned"]),
            str(imported.get("licence") or ""),
        )
    if "[imported from" in str(card.get("built_from", "")):
        return "another lab", "see the reference's built_from", ""
    return "this lab", "", ""


def installed_rows(service: Any) -> list[list[str]]:
    """Models and references in the data folder (imported or built here), newest version last."""
    rows = []
    for kind in artifacts.ARTIFACT_KINDS:
        folder = artifacts.install_dir(kind, service.data_dir)
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                card = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            site, signers, licence = _origin(card)
            rows.append(
                [kind, path.name, str(card.get("name", "")), str(card.get("version", "")),
                 str(card.get("procedure", "")), site, signers, licence]
            )  # fmt: skip
    return rows


def save_rating(
    service: Any, session_id: Any, rater: str, level: Optional[str], consent: Optional[str], *items: Any
) -> str:
    """Store an educator's rating (and, when chosen, the trainee's consent) for one session."""
    try:
        number = int(session_id)
    except (TypeError, ValueError):
        return "Enter the session number (History tab)."
    scores = {name: value for name, value in zip(OSATS_ITEMS, items) if value}
    try:
        record = service.db.get_session(number)
        if record is None:
            return f"Session {number} not found."
        record_rating(service.db, number, rater=rater or "", items=scores, skill_level=level or None)
        if consent in ("yes", "no"):
            record_consent(service.db, record.trainee, consent == "yes", recorded_by=rater)
    except RecordError as exc:
        return f"**Not saved:** {html.escape(str(exc))}"
    grs = f"GRS {sum(scores.values()):g} from {len(scores)} items" if scores else "no items"
    return f"Saved: session {number} rated by {html.escape(rater)} ({grs}, level {level or 'not given'})."


def save_site(service: Any, site: str) -> str:
    try:
        set_site(service.db, site.strip())
    except RecordError as exc:
        return f"**Not saved:** {html.escape(str(exc))}"
    return f"Site id: `{site_of(service.db)}`"


def build_sharing_section(c: dict[str, Any]) -> None:
    """Components of the sharing section (inside the Educator tab)."""
    gr.Markdown("### Packages from other labs (references and models)")
    with gr.Row():
        c["package_file"] = gr.File(file_types=[".skillsight"], label="Package", type="filepath")
        c["import_button"] = gr.Button("Verify and import", elem_id="import-package")
    c["import_status"] = gr.Markdown("", elem_id="import-status")
    c["packages_table"] = gr.Dataframe(headers=PACKAGE_COLUMNS, interactive=False, elem_id="packages")
    gr.Markdown("### Rate a session (GRS from OSATS items, 1-5 each) and record the trainee's consent")
    with gr.Row():
        c["rate_session"] = gr.Number(label="Session number", precision=0, elem_id="rate-session")
        c["rate_rater"] = gr.Textbox(label="Rater", elem_id="rate-rater")
        c["rate_level"] = gr.Dropdown(["", *SKILL_LEVELS], value="", label="Level (educator's)")
        c["rate_consent"] = gr.Dropdown(
            ["unchanged", "yes", "no"], value="unchanged", label="Trainee consents to share motion"
        )
    with gr.Row():
        c["rate_items"] = [
            gr.Slider(0, 5, step=1, value=0, label=f"{item.replace('_', ' ')} (0 = not rated)")
            for item in OSATS_ITEMS
        ]
    with gr.Row():
        c["rate_button"] = gr.Button("Save rating", elem_id="rate-button")
        c["site_id"] = gr.Textbox(label="This lab's site id", elem_id="site-id")
        c["site_button"] = gr.Button("Save site id")
    c["rate_status"] = gr.Markdown("", elem_id="rate-status")


def wire_sharing(demo: gr.Blocks, page: Any, service: Any) -> None:
    def do_import(upload: Optional[str]) -> tuple[str, list[list[str]]]:
        return import_uploaded(service, upload), installed_rows(service)

    page.import_button.click(
        do_import, [page.package_file], [page.import_status, page.packages_table], api_visibility="private"
    )
    demo.load(lambda: installed_rows(service), None, [page.packages_table], api_visibility="private")

    def do_rate(session_id: Any, rater: str, level: str, consent: str, *items: Any) -> str:
        return save_rating(service, session_id, rater, level, consent, *items)

    page.rate_button.click(
        do_rate,
        [page.rate_session, page.rate_rater, page.rate_level, page.rate_consent, *page.rate_items],
        [page.rate_status],
        api_visibility="private",
    )
    page.site_button.click(
        lambda site: save_site(service, site), [page.site_id], [page.rate_status], api_visibility="private"
    )
