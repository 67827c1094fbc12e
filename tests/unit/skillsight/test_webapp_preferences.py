"""Each user's chosen model and reference per procedure survive a restart; gone files fall back."""

from __future__ import annotations

from skillsight.webapp.preferences import EMPTY_CHOICE, chosen_models, preferences_path, save_choice


def test_choice_is_kept_per_user_and_procedure(tmp_path):
    model = tmp_path / "lab-scorer.onnx"
    reference = tmp_path / "lab-reference.json"
    model.write_bytes(b"x")
    reference.write_text("{}")
    save_choice(tmp_path, "ana", "suturing", str(model), str(reference))
    assert chosen_models(tmp_path, "ana", "suturing") == {"model": str(model), "reference": str(reference)}
    assert chosen_models(tmp_path, "bob", "suturing") == EMPTY_CHOICE
    assert chosen_models(tmp_path, "ana", "intubation") == EMPTY_CHOICE
    reference.unlink()  # deleted since it was chosen: back to the shipped default
    assert chosen_models(tmp_path, "ana", "suturing") == {"model": str(model), "reference": ""}


def test_any_user_name_is_a_safe_file_name_and_a_broken_file_reads_as_defaults(tmp_path):
    path = preferences_path(tmp_path, "../../etc/passwd")
    assert path.parent == tmp_path / "preferences" and ".." not in path.name
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert chosen_models(tmp_path, "../../etc/passwd", "suturing") == EMPTY_CHOICE
