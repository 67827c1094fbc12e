"""Feature sets, grouped cross-validation and `skillsight train` on generated JIGSAWS-layout data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from jigsaws_factory import write_jigsaws_task
from typer.testing import CliRunner

from skillsight.cli import app
from skillsight.datasets import load_dataset
from skillsight.scoring.model_card import describe_card
from skillsight.scoring.scorer import load_scorer
from skillsight.scoring.training import (
    FeatureMatrix,
    TrainingError,
    build_feature_matrix,
    channel_statistics,
    cross_validate,
    protocol_splits,
    sample_features,
    scorer_feature_values,
)


@pytest.fixture(scope="module")
def task_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The easy generator: these tests check the plumbing and that a plain signal is found; the hard
    # generator (as hard as the real release) gates tests/unit/scoring/test_training_honest.py.
    folder = tmp_path_factory.mktemp("jigsaws")
    return write_jigsaws_task(folder, task="Knot_Tying", trials_per_user=3, difficulty="easy")


@pytest.fixture(scope="module")
def matrix(task_folder: Path) -> FeatureMatrix:
    return build_feature_matrix(load_dataset("jigsaws", task_folder), feature_set="kinematic-stats")


def test_channel_statistics_known_answer() -> None:
    stats = channel_statistics("c", np.array([0.0, 1.0, 2.0, 3.0, 4.0, np.nan]), dt=0.5)
    assert stats["c.mean"] == 2.0 and stats["c.range"] == 4.0 and stats["c.p50"] == 2.0
    assert stats["c.total_variation"] == 4.0  # the step into NaN is ignored
    assert stats["c.mean_abs_velocity"] == 2.0  # 1 unit per 0.5 s
    assert np.isnan(channel_statistics("d", np.full(4, np.nan), dt=1.0)["d.mean"])


def test_kinematic_stats_cover_all_76_columns(matrix: FeatureMatrix) -> None:
    names = set(matrix.feature_names)
    assert "kin.psm_left.tip_x.mean" in names and "kin.mtm_right.gripper_angle.total_variation" in names
    assert "kin.psm_right.tip.path_length" in names
    assert sum(n.endswith(".mean") and n.startswith("kin.") for n in names) == 76
    assert any(not n.startswith("kin.") for n in names)  # the motion features are there too
    assert matrix.motion_kind == "kinematics_3d" and matrix.units == "m" and matrix.procedure == "knot_tying"
    # Knot tying has its own profile now: its roles name the features, no suturing stand-in.
    assert "tying.path_length" in names and "holding.idle_share" in names
    assert not any(n.startswith(("needle_driver.", "suturing.")) for n in names)
    assert matrix.dataset_summary["feature_procedure"] == "knot_tying"
    assert matrix.dataset_summary["task"] == "Knot_Tying"
    # Experts are faster in the generated data: the duration feature must say so.
    duration = matrix.X[:, matrix.feature_names.index("kin.duration_s")]
    assert duration[matrix.levels == "expert"].mean() < duration[matrix.levels == "novice"].mean()


def test_protocols_never_share_a_group_between_train_and_test(matrix: FeatureMatrix) -> None:
    louo = protocol_splits(matrix, "louo")
    assert len(louo) == 8
    for train, test in louo:
        assert not set(matrix.participants[train]) & set(matrix.participants[test])
    loso = protocol_splits(matrix, "loso")
    assert len(loso) == 3
    for train, test in loso:
        assert len(set(matrix.supertrials[test])) == 1
        assert not set(matrix.supertrials[train]) & set(matrix.supertrials[test])
    kfold = protocol_splits(matrix, "kfold")
    assert sorted(np.concatenate([te for _, te in kfold]).tolist()) == list(range(matrix.n))
    with pytest.raises(TrainingError, match="unknown protocol"):
        protocol_splits(matrix, "random")


@pytest.mark.slow
def test_cross_validation_finds_the_skill_signal(matrix: FeatureMatrix) -> None:
    report = cross_validate(matrix, "loso", classifier="logistic", regressor="ridge")
    assert report["n"] == matrix.n == 24 and report["protocol"] == "loso" and report["task"] == "Knot_Tying"
    folds = report["folds"]
    assert [f["supertrials"] for f in folds] == [["001"], ["002"], ["003"]]
    assert all(len(f["participants"]) == 8 and f["n"] == 8 for f in folds)
    assert sorted(t for f in folds for t in f["trials"]) == sorted(matrix.trials)
    assert np.mean([f["accuracy"] for f in folds]) == pytest.approx(report["accuracy"])
    assert report["accuracy"] >= 0.8 and report["macro_f1"] >= 0.7
    assert report["spearman"] >= 0.8 and report["mae"] < 3.0
    # Shuffled labels carry no signal: the same pipeline must do clearly worse.
    rng = np.random.default_rng(0)
    shuffled = FeatureMatrix(
        **{
            **matrix.__dict__,
            "levels": rng.permutation(matrix.levels),
            "scores": rng.permutation(matrix.scores),
        }
    )
    control = cross_validate(shuffled, "loso", classifier="logistic", regressor="ridge")
    assert control["accuracy"] < report["accuracy"] - 0.2 and control["spearman"] < 0.5


def test_scorer_feature_values_complete_a_kinematic_stats_model(
    task_folder: Path, matrix: FeatureMatrix
) -> None:
    sample = load_dataset("jigsaws", task_folder)[0]
    values, prepared = sample_features(sample.motion, "knot_tying", "default")
    completed = scorer_feature_values({"feature_set": "kinematic-stats"}, prepared, values)
    assert set(matrix.feature_names) <= set(completed)
    assert scorer_feature_values({"feature_set": "default"}, prepared, values).keys() == values.keys()


@pytest.mark.slow
def test_train_command_writes_report_model_and_card(task_folder: Path, tmp_path: Path) -> None:
    report_path, out = tmp_path / "r" / "loso.json", tmp_path / "models"
    result = CliRunner().invoke(
        app,
        ["train", str(task_folder), "--dataset", "jigsaws", "--protocol", "loso",
         "--candidates", "linear", "--report", str(report_path), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Knot_Tying LOSO: accuracy" in result.output and "GRS Spearman" in result.output
    # the motion in words ("kinematics_3d in m" before)
    assert (
        "from robot kinematics (3D), distances in m;" in result.output
        and "kinematics_3d" not in result.output
    )
    # Every figure of the chosen model beside the linear baseline's, the choices, the reliability table.
    assert "chosen baseline" in " ".join(result.output.split()) and "ECE (levels)" in result.output
    assert "classifier chosen per fold (supertrials left out): logistic" in result.output
    assert "confidence    n  mean conf  accuracy" in result.output
    assert "model (chosen on all data): logistic" in result.output
    assert "held-out supertrials" in result.output and "  003" in result.output  # the fold table
    report = json.loads(report_path.read_text())
    for key in ("protocol", "accuracy", "macro_f1", "spearman", "mae", "n", "interval_coverage", "ece"):
        assert key in report and key in report["baseline"] or key in ("protocol", "n")
    assert report["protocol"] == "loso" and report["n"] == 24 and report["task"] == "Knot_Tying"
    assert len(report["folds"]) == 3 and report["feature_procedure"] == "knot_tying"
    scorer = load_scorer(out / "knot_tying-scorer.onnx")
    card = scorer.card
    assert card["feature_set"] == "kinematic-baseline"  # chosen automatically for lab kinematics
    assert (
        card["model_selection"]["nested_cv"]["loso"]["baseline"]["accuracy"] == report["baseline"]["accuracy"]
    )
    assert card["procedure"] == "knot_tying"
    assert card["cross_validation"]["loso"]["accuracy"] == report["accuracy"]
    assert card["training_data"]["format"] == "jigsaws" and card["training_data"]["n_samples"] == 24
    scorer.check_compatible("kinematics_3d", "m", card["feature_names"])
    assert "knot_tying-scorer v1" in describe_card(card)
    # A researcher's whole path on the command line: a reference from the experts' kinematics files, then
    # `score` on one trial's file with the exported model (it completes the per-channel statistics the
    # card asks for).
    samples = load_dataset("jigsaws", task_folder)
    experts = [s.source for s in samples if s.skill_level == "expert"]
    people = {s.participant for s in samples if s.skill_level == "expert"}
    reference = tmp_path / "knot_tying-reference.json"
    built = CliRunner().invoke(
        app, ["reference", "build", *experts, "--procedure", "knot_tying", "--out", str(reference)]
    )
    assert built.exit_code == 0, built.output
    # experts are counted as people (the JIGSAWS user letter), their trials as practices
    assert f"{len(people)} experts ({len(experts)} practices)" in built.output
    scored_json = tmp_path / "scored.json"
    model = out / "knot_tying-scorer.onnx"
    scored = CliRunner().invoke(
        app,
        ["score", samples[0].source, "--procedure", "knot_tying", "--model", str(model),
         "--reference", str(reference), "--json", str(scored_json)],
    )  # fmt: skip
    assert scored.exit_code == 0, scored.output
    assessment = json.loads(scored_json.read_text())
    assert assessment["status"] == "scored" and assessment["skill_level"] in (
        "novice",
        "intermediate",
        "expert",
    )
    assert assessment["provenance"]["motion_kind"] == "kinematics_3d"


def test_a_task_without_a_profile_falls_back_and_says_so(tmp_path: Path) -> None:
    folder = write_jigsaws_task(tmp_path, task="Peg_Transfer", trials_per_user=2)
    matrix = build_feature_matrix(load_dataset("jigsaws", folder), feature_set="kinematic-stats")
    assert matrix.procedure == "peg_transfer" and matrix.dataset_summary["feature_procedure"] == "suturing"
    assert any("no procedure profile 'peg_transfer'" in n for n in matrix.dataset_summary["notes"])
    report = cross_validate(matrix, "louo", classifier="logistic", regressor="ridge")
    assert report["feature_procedure"] == "suturing" and any("suturing" in n for n in report["notes"])
    assert [f["participants"] for f in report["folds"]] == [[u] for u in sorted(set(matrix.participants))]


def test_train_command_errors(task_folder: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    bad_protocol = runner.invoke(app, ["train", str(task_folder), "--dataset", "jigsaws", "--protocol", "x"])
    assert bad_protocol.exit_code == 2 and "--protocol" in bad_protocol.output
    bad_format = runner.invoke(app, ["train", str(task_folder), "--dataset", "jigsaw"])
    assert bad_format.exit_code == 2 and "--dataset must be one of ours, jigsaws" in bad_format.output
    missing = runner.invoke(app, ["train", str(tmp_path / "nowhere"), "--dataset", "jigsaws"])
    assert missing.exit_code == 1 and "not found" in missing.output
    # An unknown option value is wrong usage (2, as --dataset and --protocol), said before any data is read
    # (it used to be 1, an error, found only after loading the dataset).
    for option in ("--features", "--classifier", "--regressor"):
        unknown = runner.invoke(
            app, ["train", str(tmp_path / "nowhere"), "--dataset", "jigsaws", option, "magic"]
        )
        assert (
            unknown.exit_code == 2
            and f"{option} must be one of" in unknown.output
            and "'magic'" in unknown.output
        )


@pytest.mark.slow
def test_train_on_our_folder_of_synthetic_practice(tmp_path: Path) -> None:
    """The project's synthetic generator has a known skill: LOUO on its motion files must find it."""
    from skillsight.scoring.synthetic import generate_practice

    folder = tmp_path / "ours"
    rows = ["participant,procedure,trial,file,skill_level,grs"]
    participants = {"n1": 0.15, "n2": 0.25, "i1": 0.5, "i2": 0.55, "e1": 0.85, "e2": 0.95}
    for number, (participant, skill) in enumerate(participants.items()):
        for trial in range(2):
            motion = generate_practice(skill=skill, procedure="suturing", seed=10 * number + trial)
            truth = motion.metadata["synthetic"]
            motion.save(folder / f"{participant}_{trial}")
            rows.append(
                f"{participant},suturing,{trial},{participant}_{trial}.motion.npz,{truth['level']},{truth['grs']:.2f}"
            )
    (folder / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    report_path = tmp_path / "louo.json"
    result = CliRunner().invoke(
        app,
        ["train", str(folder), "--dataset", "ours", "--procedure", "suturing", "--protocol", "louo",
         "--classifier", "logistic", "--regressor", "ridge", "--report", str(report_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text())
    assert report["feature_set"] == "default" and report["n"] == 12
    assert report["spearman"] >= 0.7 and report["accuracy"] >= 0.5  # chance is 1/3


def test_one_failing_motion_feature_does_not_stop_training(
    task_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import skillsight.scoring.training as training

    dataset = load_dataset("jigsaws", task_folder)[:3]
    real = training.motion_feature_values
    calls = []

    def flaky(motion, procedure, dominant_hand="right"):  # type: ignore[no-untyped-def]
        calls.append(motion.metadata["trial"])
        if len(calls) == 2:
            raise IndexError("boom")
        return real(motion, procedure, dominant_hand)

    monkeypatch.setattr(training, "motion_feature_values", flaky)
    matrix = build_feature_matrix(dataset, feature_set="kinematic-stats", procedure="knot_tying")
    failures = matrix.dataset_summary["feature_failures"]
    assert len(failures) == 1 and "IndexError: boom" in failures[0]
    row = matrix.X[1]
    names = matrix.feature_names
    assert np.isfinite(row[names.index("kin.duration_s")])  # kinematic statistics still there
    assert np.isnan(row[names.index("task.duration")]) and np.isfinite(
        matrix.X[0, names.index("task.duration")]
    )
    calls.clear()
    calls.append("first")  # the next call is the second: it raises
    with pytest.raises(IndexError):  # without a failures list, errors surface
        sample_features(dataset[1].motion, "knot_tying", "default")


def test_describe_card_reads_flat_and_nested_cross_validation() -> None:
    base = {
        "name": "m",
        "version": "2",
        "procedure": "suturing",
        "feature_names": ["a"],
        "levels": ["expert"],
    }
    flat = describe_card({**base, "cross_validation": {"protocol": "kfold", "accuracy": 0.5, "n": 10}})
    nested = describe_card(
        {**base, "cross_validation": {"loso": {"accuracy": 0.25, "spearman": 0.75, "n": 4}}}
    )
    assert "kfold: accuracy=0.500 (n=10)" in flat
    assert "loso: accuracy=0.250, spearman=0.750 (n=4)" in nested and "m v2 (suturing)" in nested
    # In words: the card's input and the caveat a trained model shows under every score.
    described = describe_card({**base, "motion_kind": "kinematics_3d", "units": "m"})
    assert "1 features (?) from robot kinematics (3D), distances in m" in described
    from skillsight.scoring.model_card import DEFAULT_DISCLAIMER

    assert "training_data" not in DEFAULT_DISCLAIMER and "built from" in DEFAULT_DISCLAIMER


@pytest.mark.slow
def test_train_runs_on_a_realistic_needle_passing_release(tmp_path: Path) -> None:
    """The real trial list (27 labelled, four unlabelled files), 1-3 minute trials and fixed-width lines:
    `train` runs through, says what it skipped and reports every fold; surgeons are recognisable, so
    LOSO (every surgeon in training) beats LOUO (a new surgeon)."""
    from jigsaws_factory import write_realistic_release

    folder = write_realistic_release(tmp_path, tasks=("Needle_Passing",))["Needle_Passing"]
    reports = {}
    for protocol in ("loso", "louo"):
        report_path = tmp_path / f"{protocol}.json"
        result = CliRunner().invoke(
            app,
            ["train", str(folder), "--dataset", "jigsaws", "--protocol", protocol,
             "--classifier", "logistic", "--regressor", "ridge", "--features", "kinematic-stats",
             "--report", str(report_path)],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert result.output.count("no skill label") == 4
        reports[protocol] = json.loads(report_path.read_text())
    loso, louo = reports["loso"], reports["louo"]
    assert loso["n"] == louo["n"] == 27 and loso["task"] == "Needle_Passing"
    assert [f["supertrials"] for f in loso["folds"]] == [["001"], ["002"], ["003"], ["004"], ["005"]]
    assert [f["participants"] for f in louo["folds"]] == [[u] for u in "BCDEFHI"]
    assert loso["accuracy"] >= 0.9 and loso["accuracy"] > louo["accuracy"] + 0.3
