"""Model cards and references are covered by one manifest hash (issue 12, defect 4).

Before the manifest only the .onnx bytes were hashed: a copied card with `feature_names` reversed
scored 6.0 instead of 30.0 under the same name and version, and a card's `onnx_file` of
`../../../../etc/passwd` was read and hashed before the mismatch was seen.
"""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from skillsight import manifest
from skillsight.batch.results import artifact_identity
from skillsight.cli import app
from skillsight.models import default_model_path, default_reference_path
from skillsight.scoring.reference import ReferenceError, load_reference
from skillsight.scoring.scorer import ModelIntegrityError, load_scorer, read_card, write_model_card
from skillsight.scoring.synthetic import generate_practice


@pytest.fixture
def model_copy(tmp_path):
    """The shipped suturing scorer, card and ONNX file copied into a folder of its own."""
    onnx = default_model_path("suturing")
    folder = tmp_path / "model"
    folder.mkdir()
    shutil.copy(onnx, folder / onnx.name)
    shutil.copy(onnx.with_suffix(".json"), folder / onnx.with_suffix(".json").name)
    return folder / onnx.name


def _edit_card(onnx_path, change):
    card_path = onnx_path.with_suffix(".json")
    card = json.loads(card_path.read_text())
    change(card)
    card_path.write_text(json.dumps(card))
    return card_path


def test_every_shipped_card_and_reference_carries_a_valid_manifest():
    for procedure in ("suturing", "intubation"):
        scorer = load_scorer(default_model_path(procedure))
        assert manifest.identity(scorer.card)
        reference_path = default_reference_path(procedure)
        content = json.loads(reference_path.read_text())
        assert manifest.verify(content, reference_path) == {}
        load_reference(reference_path)


def test_a_card_with_its_feature_names_reversed_is_refused(model_copy):
    _edit_card(model_copy, lambda card: card["feature_names"].reverse())
    with pytest.raises(ModelIntegrityError, match="does not match its manifest"):
        load_scorer(model_copy)


def test_the_cli_blames_the_card_not_the_motion_file(model_copy, tmp_path):
    card_path = _edit_card(model_copy, lambda card: card["feature_names"].reverse())
    practice = generate_practice(skill="expert", procedure="suturing", duration_s=30.0, seed=5)
    motion_file = practice.save(tmp_path / "practice")
    result = CliRunner().invoke(
        app, ["score", str(motion_file), "-p", "suturing", "--model", str(model_copy)]
    )
    assert result.exit_code == 1, result.output
    first_line = result.output.strip().splitlines()[-1]
    assert str(card_path) in first_line and "practice.motion.npz" not in first_line


def test_an_onnx_file_outside_the_cards_folder_is_refused_before_it_is_read(model_copy, monkeypatch):
    _edit_card(model_copy, lambda card: card.update(onnx_file="../../../../etc/passwd"))
    read = []
    monkeypatch.setattr(manifest, "file_sha256", lambda path, *a: read.append(path) or "0")
    monkeypatch.setattr(
        "skillsight.scoring.scorer_card.file_sha256", lambda path, *a: read.append(path) or "0"
    )
    with pytest.raises(ModelIntegrityError, match="outside the card's folder"):
        load_scorer(model_copy)
    assert read == []


@pytest.mark.parametrize("name", ["/etc/passwd", "sub/../../x.onnx", "..", "a\\..\\b.onnx", ""])
def test_file_names_must_stay_in_the_cards_folder(tmp_path, name):
    with pytest.raises(manifest.ManifestError):
        manifest.confined_path(tmp_path, name, tmp_path / "card.json")


def test_a_link_pointing_out_of_the_folder_is_refused(tmp_path):
    (tmp_path / "outside.onnx").write_bytes(b"x")
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "m.onnx").symlink_to(tmp_path / "outside.onnx")
    with pytest.raises(manifest.ManifestError, match="outside"):
        manifest.confined_path(folder, "m.onnx", folder / "m.json")


def test_a_changed_model_file_is_refused_and_named(model_copy):
    model_copy.write_bytes(model_copy.read_bytes() + b"\0")
    with pytest.raises(ModelIntegrityError, match=model_copy.name):
        load_scorer(model_copy)


def test_a_card_without_a_manifest_is_refused_with_what_to_do(model_copy):
    _edit_card(model_copy, lambda card: card.pop("manifest"))
    with pytest.raises(ModelIntegrityError, match="no integrity manifest"):
        load_scorer(model_copy)


def test_signatures_are_outside_the_hash_so_signing_changes_nothing_signed(model_copy):
    signature = {"scheme": "ed25519", "key_id": "lab-a", "signature": "00"}
    _edit_card(model_copy, lambda card: card["manifest"]["signatures"].append(signature))
    assert load_scorer(model_copy).card["manifest"]["signatures"] == [signature]


def test_a_section_added_through_the_one_card_writer_is_sealed(model_copy):
    card_path = model_copy.with_suffix(".json")
    card = read_card(card_path)
    write_model_card(card_path, {**card, "domain": {"feature_ranges": {}}})
    assert load_scorer(model_copy).card["domain"] == {"feature_ranges": {}}
    assert artifact_identity(model_copy) != artifact_identity(default_model_path("suturing"))


def test_a_reference_edited_inside_its_manifest_is_refused(tmp_path):
    path = tmp_path / "reference.json"
    content = json.loads(default_reference_path("suturing").read_text())
    content["manifest"]["sha256"] = "0" * 64
    path.write_text(json.dumps(content))
    with pytest.raises(ReferenceError, match="does not match its manifest"):
        load_reference(path)


def test_batch_identity_changes_with_any_card_field(model_copy):
    before = artifact_identity(model_copy)
    card_path = model_copy.with_suffix(".json")
    write_model_card(card_path, {**read_card(card_path), "disclaimer": "changed"})
    assert artifact_identity(model_copy) != before
