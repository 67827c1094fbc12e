"""A reference counts its experts as people, not practices (issue 11: a range from 2 surgeons' 6 trials is
not a range from 6 experts), says so where it is shown, and still reads files from before."""

from __future__ import annotations

import json
from pathlib import Path

from jigsaws_factory import write_jigsaws_task
from typer.testing import CliRunner

from skillsight.cli import app
from skillsight.models import default_reference_path
from skillsight.scoring.reference import (
    build_reference,
    card_experts,
    content_sha256,
    load_reference,
    save_reference,
)
from skillsight.scoring.synthetic import generate_practice

runner = CliRunner()


def _two_surgeons_trials(tmp_path: Path) -> list[str]:
    """Six JIGSAWS-layout trials: three each by users B and C."""
    folder = write_jigsaws_task(tmp_path, task="Suturing", trials_per_user=3)
    trials = sorted((folder / "kinematics" / "AllGestures").glob("*.txt"))
    chosen = [str(t) for t in trials if t.stem.split("_")[-1][0] in "BC"]
    assert len(chosen) == 6
    return chosen


def test_six_jigsaws_trials_by_two_surgeons_are_two_experts(tmp_path: Path) -> None:
    out = tmp_path / "two-surgeons.json"
    built = runner.invoke(
        app, ["reference", "build", *_two_surgeons_trials(tmp_path), "-p", "suturing", "-o", str(out)]
    )
    assert built.exit_code == 0, built.output
    assert "2 experts (6 practices)" in built.output and "only 2 experts" in built.output
    content = json.loads(out.read_text())
    assert content["n_experts"] == 2 and content["n_practices"] == 6
    reference = load_reference(out)
    flagged = reference.degenerate_metrics()
    assert set(flagged) == set(reference.features)  # every range is from two people
    assert all("only 2 experts (" in reason for reason in flagged.values())
    assert "only 2 experts (6 practices; at least 5 experts needed)" in flagged["task.duration"]
    assert all(d.n_experts == 2 for d in reference.features.values())
    shown = runner.invoke(app, ["reference", "show", str(out)])
    assert shown.exit_code == 0 and "2 experts (6 practices)" in shown.output
    assert "[range not to be trusted: " in shown.output and "only 2 experts" in shown.output


def test_practices_that_name_nobody_leave_the_expert_count_unknown_and_flagged() -> None:
    motions = []
    for seed in range(6):
        motion = generate_practice("expert", "suturing", duration_s=20.0, seed=300 + seed)
        unnamed = {k: v for k, v in motion.metadata.items() if k != "synthetic"}  # as a plain video
        motions.append(motion.with_updates(metadata=unnamed))
    reference = build_reference(motions, "suturing", "unnamed", "1", "six videos")
    assert reference.n_experts is None and reference.practices == 6
    assert reference.experts_text == "6 practices; the experts were not named"
    assert "how many people is unknown" in reference.too_few_experts
    flagged = reference.degenerate_metrics()
    assert set(flagged) == set(reference.features)
    assert all("experts not named" in reason for reason in flagged.values())
    # Named, the same six practices by six people are six experts; a metric is as strong as the people
    # it has values from (tremor is measured in only some practices).
    named = build_reference(motions, "suturing", "named", "1", "six videos", experts=list("ABCDEF"))
    assert named.n_experts == 6 and not named.too_few_experts
    for metric, dist in named.features.items():
        reason = named.degenerate_metrics().get(metric, "")
        assert dist.n_experts == dist.n and "not named" not in reason
        assert (f"only {dist.n} expert" in reason) == (dist.n < 5), metric


def _as_written_before(reference_path: Path, out: Path) -> Path:
    """The reference as SkillSight wrote it before people were counted: `n_experts` counted practices."""
    content = json.loads(reference_path.read_text())
    content["n_experts"] = content.pop("n_practices")
    content.pop("experts_counted_by")
    content.pop("manifest", None)
    for feature in content["features"].values():
        feature.pop("n_experts")
    content["sha256"] = content_sha256(content)
    out.write_text(json.dumps(content))
    return out


def test_an_old_reference_file_loads_with_its_experts_unknown(tmp_path: Path) -> None:
    motions = [generate_practice("expert", "suturing", duration_s=20.0, seed=400 + s) for s in range(6)]
    new = save_reference(
        build_reference(motions, "suturing", "lab", "1", "six practices", experts=list("AABBCC")),
        tmp_path / "new.json",
    )
    old = load_reference(_as_written_before(new, tmp_path / "old.json"))
    assert old.n_experts is None and old.practices == 6
    assert "not recorded" in old.experts_counted_by
    assert all("experts not named" in reason for reason in old.degenerate_metrics().values())
    assert old.summary()["n_experts"] is None and old.summary()["too_few_experts"]


def test_the_shipped_references_count_one_generated_expert_per_practice() -> None:
    for procedure in ("suturing", "intubation"):
        reference = load_reference(default_reference_path(procedure))
        assert reference.n_experts == reference.practices >= 10
        assert "generated" in reference.experts_counted_by and not reference.too_few_experts


def test_score_text_and_json_name_the_people_a_reference_was_built_from(tmp_path: Path) -> None:
    """Six practices by three named people (`--experts`): the score's text and JSON say 3 experts."""
    files = []
    for seed in range(6):
        motion = generate_practice(0.8 + 0.03 * seed, "suturing", duration_s=20.0, seed=500 + seed)
        files.append(str(motion.save(tmp_path / f"practice{seed}")))
    out = tmp_path / "three.json"
    names = ["--experts", "Ana,Ana,Ben,Ben,Cleo,Cleo"]
    built = runner.invoke(app, ["reference", "build", *files, *names, "-p", "suturing", "-o", str(out)])
    assert built.exit_code == 0 and "3 experts (6 practices)" in built.output, built.output
    wrong = runner.invoke(
        app, ["reference", "build", *files, "--experts", "Ana,Ben", "-p", "suturing", "-o", "x"]
    )
    assert wrong.exit_code == 2 and "2 names for 6 sources" in wrong.output
    practice = generate_practice("intermediate", "suturing", duration_s=20.0, seed=9).save(tmp_path / "p")
    answer = tmp_path / "answer.json"
    scored = runner.invoke(
        app, ["score", str(practice), "-p", "suturing", "--reference", str(out), "--json", str(answer)]
    )
    assert "Expert reference: three 1, 3 experts (6 practices)" in scored.output, scored.output
    assert "Expert ranges not to be trusted: only 3 experts (6 practices;" in scored.output
    result = json.loads(answer.read_text())
    reference = result["provenance"]["reference"]
    assert reference["n_experts"] == 3 and reference["n_practices"] == 6
    notes = {m["name"]: m["reference_note"] for m in result["metrics"] if m.get("expert_median") is not None}
    assert notes and all("only " in note for note in notes.values())  # 3 people, or fewer for a metric
    assert "only 3 experts (6 practices;" in notes["task.duration"]


def test_reference_show_says_each_metric_in_words_and_keeps_the_keys_for_scripts_in_json() -> None:
    """`reference show` printed metric keys and unit codes ("needle_driver.path_length ... hand_size"):
    people read the app's labels and units; scripts get the keys and codes with --json."""
    path = str(default_reference_path("suturing"))
    shown = runner.invoke(app, ["reference", "show", path])
    assert shown.exit_code == 0, shown.output
    assert "from video (2D), distances in hand lengths" in shown.output
    assert "Needle-driver hand: distance travelled" in shown.output and " hand lengths (" in shown.output
    assert "needle_driver." not in shown.output and "hand_size" not in shown.output
    assert "video_2d" not in shown.output and "share" not in shown.output.split("Expert ranges")[1]
    as_json = runner.invoke(app, ["reference", "show", path, "--json"])
    assert as_json.exit_code == 0, as_json.output
    content = json.loads(as_json.output)
    metric = content["metrics"]["needle_driver.path_length"]
    assert metric["unit"] == "hand_size" and metric["label"] == "Needle-driver hand: distance travelled"
    assert content["motion_kind"] == "video_2d" and content["n_experts"] == 20


def test_a_card_in_a_listing_counts_experts_as_loading_the_file_does(tmp_path: Path) -> None:
    """The format was told apart twice (loading, and cards in listings and packages), and the two read
    the same file differently: `n_experts` written as 3.0 was 3 people when scoring and "not named" in
    the app's list. One reader now (`stored_experts`); a card too malformed to load counts 0 practices."""
    motions = [generate_practice("expert", "suturing", duration_s=20.0, seed=400 + s) for s in range(6)]
    new = save_reference(
        build_reference(motions, "suturing", "lab", "1", "six practices", experts=list("AABBCC")),
        tmp_path / "new.json",
    )
    old = _as_written_before(new, tmp_path / "old.json")
    as_float = json.loads(new.read_text())
    as_float.pop("manifest")
    as_float["n_experts"] = 3.0
    as_float["sha256"] = content_sha256(as_float)
    (tmp_path / "float.json").write_text(json.dumps(as_float))
    shipped = default_reference_path("suturing")
    for path in (new, old, tmp_path / "float.json", shipped):
        loaded = load_reference(path)
        assert card_experts(json.loads(Path(path).read_text())) == (loaded.n_experts, loaded.practices), path
    assert card_experts({"name": "broken"}) == (None, 0)


def test_score_of_recorded_motion_says_what_it_is_not_that_it_was_tracked(tmp_path: Path) -> None:
    """`score Suturing_B001.txt` said "Tracking: required hands in 100% of 2672 frames" of robot
    kinematics that nothing tracked."""
    trial = _two_surgeons_trials(tmp_path)[0]
    scored = runner.invoke(app, ["score", trial, "-p", "suturing"])
    assert "Motion: robot kinematics (3D), required hands in 100% of " in scored.output, scored.output
    assert "Tracking:" not in scored.output
    video_like = generate_practice("expert", "suturing", duration_s=20.0, seed=3).save(tmp_path / "p")
    assert (
        "Tracking: required hands in "
        in runner.invoke(app, ["score", str(video_like), "-p", "suturing"]).output
    )
