"""The Educator tab's sharing section: import a package, list it, rate a session (issue 17)."""

from __future__ import annotations

from skillsight import artifact_packages as artifacts
from skillsight import signing
from skillsight.lab_records import OSATS_ITEMS, consents, ratings_of, site_of
from skillsight.scoring.results import Assessment
from skillsight.webapp.layout import build_app
from skillsight.webapp.service import AppService
from skillsight.webapp.sharing import import_uploaded, installed_rows, save_rating, save_site


def test_import_lists_and_rates_through_the_educator_handlers(tmp_path):
    lab_a = tmp_path / "lab_a"
    signing.new_key(signing.default_key_dir(lab_a))
    key = signing.load_private_key(signing.default_key_dir(lab_a) / signing.PRIVATE_KEY_FILE)
    package = tmp_path / "r.skillsight"
    artifacts.export_artifact(
        "reference", "suturing", package, data_dir=lab_a, licence="CC-BY-4.0", consent="x", site="lab-a",
        private_key=key,
    )  # fmt: skip
    service = AppService(data_dir=tmp_path / "lab_b")
    try:
        shown = import_uploaded(service, str(package))
        assert "Installed" in shown and signing.public_key_of(key)[1] in shown
        rows = installed_rows(service)
        assert [r[:2] for r in rows] == [["reference", "suturing-reference-v2.json"]]
        assert rows[0][5] == "another lab"
        package.write_bytes(package.read_bytes().replace(b"suturing", b"suturinG", 1))
        assert "Refused" in import_uploaded(service, str(package))
        session = service.db.add_session(
            trainee="ann", procedure="suturing", assessment=Assessment("scored", "suturing"), source_name="a"
        )
        items = [4, 3, 0, 5, 0, 0, 2]
        saved = save_rating(service, session, "Dr A", "expert", "yes", *items)
        assert "GRS 14 from 4 items" in saved, saved
        (rating,) = ratings_of(service.db, session)
        expected = {name: float(v) for name, v in zip(OSATS_ITEMS, items) if v}
        assert rating.grs == 14 and rating.items == expected and rating.skill_level == "expert"
        assert consents(service.db) == {"ann": True}
        assert "Not saved" in save_rating(service, session, "", None, "unchanged", *items)
        assert "lab-b" in save_site(service, "lab-b") and site_of(service.db) == "lab-b"
        assert "Not saved" in save_site(service, "bad site/id")
    finally:
        service.close()


def test_the_page_builds_with_the_sharing_section(tmp_path):
    service = AppService(data_dir=tmp_path)
    try:
        demo = build_app(service)
        assert demo is not None
    finally:
        service.close()
