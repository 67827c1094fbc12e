"""Reference and model packages between labs (issue 17): round trip, tampering, signatures, schema."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skillsight import artifact_packages as artifacts
from skillsight import signing
from skillsight.cli import app
from skillsight.models import default_model_path, default_reference_path
from skillsight.packages import PACKAGE_CARD, PackageError, open_package
from skillsight.scoring.assessment import assess_motion
from skillsight.scoring.synthetic import generate_practice


@pytest.fixture
def lab_a(tmp_path):
    """The exporting lab's data folder, with a signing key."""
    data = tmp_path / "lab_a"
    signing.new_key(signing.default_key_dir(data))
    return data


def _key(data):
    return signing.load_private_key(signing.default_key_dir(data) / signing.PRIVATE_KEY_FILE)


def _export(kind, data, out, **options):
    return artifacts.export_artifact(
        kind, "suturing", out, data_dir=data, licence="CC-BY-4.0", consent="synthetic", **options
    )


def _import(package, data, tmp_path):
    folder = tmp_path / f"open-{package.stem}-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    return artifacts.install(open_package(package, folder), data)


def _comparable(assessment):
    """Everything a trainee sees; the provenance names the installed file and version, which differ."""
    d = assessment.to_dict()
    d.pop("provenance", None)
    return json.dumps(d, sort_keys=True)


def test_round_trip_gives_identical_assessments_on_a_clean_data_folder(lab_a, tmp_path):
    model_pkg, reference_pkg = tmp_path / "m.skillsight", tmp_path / "r.skillsight"
    _export("model", lab_a, model_pkg, private_key=_key(lab_a))
    _export("reference", lab_a, reference_pkg, private_key=_key(lab_a))
    lab_b = tmp_path / "lab_b"
    onnx, card = _import(model_pkg, lab_b, tmp_path)
    (reference,) = _import(reference_pkg, lab_b, tmp_path)
    assert onnx.parent == lab_b / "models" and reference.parent == lab_b / "references"
    assert onnx.name == "suturing-scorer-v2.onnx" and reference.name == "suturing-reference-v2.json"
    installed_card = json.loads(card.read_text())
    assert installed_card["imported"]["signers"] == [signing.public_key_of(_key(lab_a))[1]]
    for skill, seed in (("novice", 3), ("expert", 4)):
        motion = generate_practice(skill, "suturing", duration_s=40, seed=seed)
        shipped = assess_motion(
            motion, "suturing", default_model_path("suturing"), default_reference_path("suturing")
        )
        imported = assess_motion(motion, "suturing", onnx, reference)
        assert shipped.status == "scored"
        assert _comparable(imported) == _comparable(shipped)
        assert imported.provenance["model"]["version"] == "2"


def test_a_second_import_never_overwrites(lab_a, tmp_path):
    package = tmp_path / "r.skillsight"
    _export("reference", lab_a, package)
    lab_b = tmp_path / "lab_b"
    first = _import(package, lab_b, tmp_path)[0]
    before = first.read_bytes()
    second = _import(package, lab_b, tmp_path)[0]
    assert (first.name, second.name) == ("suturing-reference-v2.json", "suturing-reference-v3.json")
    assert first.read_bytes() == before


def _rewrite(package, out, change):
    """A copy of the archive with `change(name, data) -> data` applied to every member."""
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info.filename)))
    return out


# Every STRIDE-th byte of every file, plus its first and last; SKILLSIGHT_TAMPER_STRIDE=1 tries them all.
TAMPER_STRIDE = int(os.environ.get("SKILLSIGHT_TAMPER_STRIDE", "97"))


def _changed(data: bytes, offset: int) -> bytes:
    changed = bytearray(data)
    changed[offset] = (changed[offset] + 1) % 256
    return bytes(changed)


@pytest.mark.parametrize("kind", ["model", "reference"])
def test_any_changed_byte_in_any_file_is_refused_with_the_file_named(kind, lab_a, tmp_path):
    package = tmp_path / f"{kind}.skillsight"
    _export(kind, lab_a, package, private_key=_key(lab_a))
    members = _members_of(package)
    assert PACKAGE_CARD in members and len(members) >= 2
    tried = 0
    for name, data in members.items():
        for offset in sorted({*range(0, len(data), TAMPER_STRIDE), len(data) - 1}):
            tampered = tmp_path / f"t-{kind}.skillsight"
            with zipfile.ZipFile(tampered, "w") as archive:
                for member, content in members.items():
                    archive.writestr(member, _changed(content, offset) if member == name else content)
            folder = tmp_path / f"x-{kind}-{tried}"
            folder.mkdir()
            with pytest.raises(PackageError) as refused:
                open_package(tampered, folder)
            assert name in str(refused.value), (name, offset, str(refused.value))
            tried += 1
    assert tried > 2 * len(members)


def _members_of(package):
    with zipfile.ZipFile(package) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_wrong_signature_is_refused_naming_the_package_card(lab_a, tmp_path):
    package = tmp_path / "m.skillsight"
    _export("model", lab_a, package, private_key=_key(lab_a))
    other = tmp_path / "lab_other"
    signing.new_key(signing.default_key_dir(other))
    impostor = _key(other)

    def claim_lab_a_signed_by_other(member, data):
        if member != PACKAGE_CARD:
            return data
        card = json.loads(data)
        entry = signing.sign(card["manifest"]["sha256"], impostor)
        entry["public_key"], entry["fingerprint"] = signing.public_key_of(_key(lab_a))
        card["manifest"]["signatures"] = [entry]
        return json.dumps(card).encode()

    def garbled(member, data):
        if member != PACKAGE_CARD:
            return data
        card = json.loads(data)
        entry = card["manifest"]["signatures"][0]
        entry["signature"] = "AAAA" + entry["signature"][4:]
        return json.dumps(card).encode()

    for change in (claim_lab_a_signed_by_other, garbled):
        tampered = _rewrite(package, tmp_path / "t.skillsight", change)
        folder = tmp_path / f"x-{change.__name__}"
        folder.mkdir()
        with pytest.raises(PackageError, match=f"{PACKAGE_CARD}.*signature"):
            open_package(tampered, folder)


def test_a_package_for_features_this_version_cannot_compute_is_refused(lab_a, tmp_path):
    package = tmp_path / "m.skillsight"
    _export("model", lab_a, package)
    folder = tmp_path / "open"
    folder.mkdir()
    opened = open_package(package, folder)
    opened.card["input_schema"]["feature_names"].append("needle_driver.future_metric")
    with pytest.raises(PackageError, match="cannot score.*future_metric"):
        artifacts.check_input_schema(opened)
    opened.card["input_schema"]["card_format_version"] = 99
    with pytest.raises(PackageError, match="format_version 99"):
        artifacts.install(opened, tmp_path / "lab_b")
    assert not (tmp_path / "lab_b" / "models").exists()


def test_a_member_outside_the_package_folder_is_refused_unread(lab_a, tmp_path):
    package = tmp_path / "r.skillsight"
    _export("reference", lab_a, package)
    with zipfile.ZipFile(package, "a") as archive:
        archive.writestr("../escape.json", b"{}")
    folder = tmp_path / "open"
    folder.mkdir()
    with pytest.raises(PackageError, match="escape.json.*not a plain file name"):
        open_package(package, folder)
    assert not (tmp_path / "escape.json").exists()


def test_cli_keys_export_import_show_the_signer(tmp_path, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("SKILLSIGHT_DATA_DIR", str(tmp_path / "lab_a"))
    made = runner.invoke(app, ["keys", "new"])
    assert made.exit_code == 0, made.output
    private = tmp_path / "lab_a" / "keys" / signing.PRIVATE_KEY_FILE
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    fingerprint = made.output.split("fingerprint: ")[1].strip()
    package = tmp_path / "m.skillsight"
    exported = runner.invoke(app, ["export", "model", "suturing", "--out", str(package), "--licence", "MIT"])
    assert exported.exit_code == 0, exported.output
    monkeypatch.setenv("SKILLSIGHT_DATA_DIR", str(tmp_path / "lab_b"))
    imported = runner.invoke(app, ["import", str(package)])
    assert imported.exit_code == 0, imported.output
    assert fingerprint in imported.output and "suturing-scorer v1" in imported.output
    assert "(site not stated)" in imported.output  # was "(site ?)"
    assert (tmp_path / "lab_b" / "models" / "suturing-scorer-v2.onnx").is_file()
    reference = runner.invoke(
        app, ["export", "reference", "suturing", "--out", str(tmp_path / "r.skillsight")]
    )
    assert "(1 file, manifest" in reference.output  # was "(1 files, manifest"
    package.write_bytes(package.read_bytes()[:-40])
    broken = runner.invoke(app, ["import", str(package)])
    assert broken.exit_code != 0 and str(package) in broken.output


def test_a_private_key_readable_by_others_is_refused(tmp_path):
    path = signing.new_key(tmp_path / "keys")
    os.chmod(path, 0o644)
    with pytest.raises(signing.SigningError, match="chmod 600"):
        signing.load_private_key(path)
    with pytest.raises(signing.SigningError, match="exists already"):
        signing.new_key(tmp_path / "keys")


def test_packages_install_where_the_app_looks(lab_a, tmp_path):
    package = tmp_path / "m.skillsight"
    _export("model", lab_a, package)
    installed = _import(package, tmp_path / "lab_b", tmp_path)
    assert all(Path(p).parent.name == "models" for p in installed)
