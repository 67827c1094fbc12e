"""`skillsight train`: cross-validate a skill scorer on a labelled dataset and optionally export it.

    skillsight train --dataset jigsaws JIGSAWS/Suturing --protocol loso --report loso.json --out models/

runs nested cross-validation under the protocol (the models are chosen inside each training part, in
inner folds grouped like the protocol) and prints every figure (accuracy, macro-F1, GRS Spearman, MAE,
interval coverage, expected calibration error) of the chosen model beside the linear baseline's
(standardised features, logistic regression C=0.1, ridge alpha=30), the level probabilities'
reliability table and which models the folds chose; the report JSON holds the same (the baseline under
``"baseline"``, the choices under ``"model_selection"``). With ``--out`` the models are chosen once more
on all data, fitted, and written as ONNX plus a model card that records the choice.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, List, Optional, Union  # noqa: UP035 (Typer reads List at run time)

import typer

from skillsight.datasets import DATASET_LOADERS, DatasetError
from skillsight.datasets.shared_packages import load_pooled
from skillsight.pose.motion import MotionError
from skillsight.scoring.calibration_report import reliability_lines
from skillsight.scoring.estimator import CLASSIFIERS, REGRESSORS
from skillsight.scoring.metric_display import motion_text
from skillsight.scoring.model_selection import SCOPES
from skillsight.scoring.procedure import ProcedureError
from skillsight.scoring.results import EXIT_ERROR, EXIT_USAGE
from skillsight.scoring.training import (
    AUTO_FEATURE_SET,
    FEATURE_SETS,
    PROTOCOLS,
    TrainingError,
    build_feature_matrix,
    cross_validate,
    default_feature_set,
    export_trained_scorer,
    fit_scorer,
    write_report,
)


def _fail(message: str, code: int = EXIT_ERROR) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _format(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "n/a"


def fold_table(report: dict[str, Any]) -> list[str]:
    """One line per fold: what was held out (users, supertrials) and how that fold scored."""
    held_out = {"louo": "users", "loso": "supertrials", "leave-site-out": "sites"}.get(
        report["protocol"], "trials"
    )
    lines = [f"  fold  held-out {held_out:<12} n   accuracy  Spearman  MAE"]
    for fold in report.get("folds", []):
        key = {"users": "participants", "supertrials": "supertrials", "sites": "sites"}.get(held_out)
        groups = ",".join(fold[key]) if key else f"{len(fold['trials'])} trials"
        lines.append(
            f"  {fold['fold']:>4}  {groups:<21} {fold['n']:>2}  {_format(fold['accuracy']):>8}"
            f"  {_format(fold['spearman']):>8}  {_format(fold['mae']):>5}"
        )
    return lines


FEATURES_HELP = "default, kinematic-stats, kinematic-baseline, or auto (kinematic-baseline for jigsaws)"
CLASSIFIER_HELP = "auto (chosen in nested CV), logistic, random_forest, gradient_boosting, ensemble"
REGRESSOR_HELP = "auto (chosen in nested CV), ridge, random_forest, gradient_boosting, ensemble"
CANDIDATES_HELP = "models auto chooses from: linear (penalised linear only), standard (+ forest), wide"
FIGURES = (
    ("accuracy", "accuracy"),
    ("macro_f1", "macro-F1"),
    ("spearman", "GRS Spearman"),
    ("mae", "GRS MAE"),
    ("interval_coverage", "interval coverage"),
    ("mean_interval_width", "interval width"),
    ("ece", "ECE (levels)"),
    ("brier", "Brier (levels)"),
)


def comparison_table(report: dict[str, Any]) -> list[str]:
    """Every figure of the chosen model beside the linear baseline's, then what the folds chose."""

    baseline = report.get("baseline") or {}
    lines = [f"  {'figure':<18} {'chosen':>8} {'baseline':>9}"]
    for key, label in FIGURES:
        lines.append(f"  {label:<18} {_format(report.get(key)):>8} {_format(baseline.get(key)):>9}")
    selection = report.get("model_selection") or {}
    for half in ("classifier", "regressor"):
        counts = selection.get(f"chosen_{half}") or {}
        chosen = ", ".join(f"{name} x{count}" for name, count in counts.items())
        lines.append(f"  {half} chosen per fold ({selection.get('inner_grouping', '?')} left out): {chosen}")
    lines.append("  level probabilities, chosen model (reliability):")
    lines.extend(reliability_lines({"bins": report.get("reliability", [])}, indent="    "))
    return lines


def load_feature_matrix(
    dataset_format: str,
    path: Union[Path, Sequence[Path]],
    procedure: Optional[str],
    feature_set: str,
    cache_dir: Optional[Path],
    echo: Any = typer.echo,
) -> Any:
    """Load the dataset and compute its feature matrix, echoing the loader's notes and feature failures."""
    options = {"cache_dir": cache_dir} if cache_dir else {}
    paths = [path] if isinstance(path, (str, Path)) else list(path)
    dataset = load_pooled(dataset_format, paths, procedure=procedure, **options)
    for note in dataset.notes:
        echo(f"note: {note}")
    if feature_set == AUTO_FEATURE_SET:
        feature_set = default_feature_set(dataset)
    matrix = build_feature_matrix(dataset, feature_set=feature_set, procedure=procedure)
    for failure in matrix.dataset_summary.get("feature_failures", []):
        echo(f"warning: {failure}")
    if matrix.dataset_summary.get("feature_procedure_note"):
        echo(f"warning: {matrix.dataset_summary['feature_procedure_note']}")
    return matrix


def run_training(
    dataset_format: str,
    path: Union[Path, Sequence[Path]],
    *,
    procedure: Optional[str],
    protocol: str,
    feature_set: str,
    classifier: str,
    regressor: str,
    coverage: float,
    candidates: str = "standard",
    report_path: Optional[Path],
    out_dir: Optional[Path],
    name: Optional[str],
    version: str,
    cache_dir: Optional[Path],
    echo: Any = typer.echo,
) -> dict[str, Any]:
    """Load, featurise, cross-validate, report and (with out_dir) export; returns the report."""

    started = time.perf_counter()
    matrix = load_feature_matrix(dataset_format, path, procedure, feature_set, cache_dir, echo)
    task = matrix.dataset_summary.get("task") or matrix.procedure
    echo(
        f"{task}: {matrix.n} trials of {len(set(matrix.participants))} participants, "
        f"{len(matrix.feature_names)} features ({matrix.feature_set}, procedure {matrix.procedure}), "
        f"from {motion_text(matrix.motion_kind, matrix.units)}; protocol {protocol}"
    )
    models = {"classifier": classifier, "regressor": regressor, "coverage": coverage, "scope": candidates}
    report = cross_validate(matrix, protocol, **models)
    for line in fold_table(report):
        echo(line)
    echo(
        f"{task} {protocol.upper()}: accuracy {_format(report['accuracy'])}  "
        f"macro-F1 {_format(report['macro_f1'])}  "
        f"GRS Spearman {_format(report['spearman'])}  MAE {_format(report['mae'])}  n={report['n']}  "
        f"(interval coverage {_format(report['interval_coverage'])} at nominal {coverage:.2f}, "
        f"ECE {_format(report['ece'])})"
    )
    for line in comparison_table(report):
        echo(line)
    if protocol == "leave-site-out":
        report["louo"] = louo_beside(matrix, models, report, echo)
    if out_dir is not None:
        scorer = fit_scorer(matrix, protocol=protocol, **models)
        selection = scorer.model_selection_
        echo(f"model (chosen on all data): {selection['classifier']} / {selection['regressor']}")
        onnx_path, card_path = export_trained_scorer(
            scorer, matrix, out_dir, name=name, version=version, cross_validation=report
        )
        report["model"] = {"onnx": str(onnx_path), "card": str(card_path)}
        echo(f"model: {onnx_path}\ncard:  {card_path}")
    report["elapsed_s"] = round(time.perf_counter() - started, 2)
    if report_path is not None:
        write_report(report, report_path)
        echo(f"report: {report_path}")
    return report


def site_table(report: dict[str, Any], louo: Optional[dict[str, Any]] = None) -> list[str]:
    """Per site: its figures when it was held out (a lab never seen), beside LOUO's for its trainees."""
    lines = [f"  {'site':<16} {'n':>3}  {'unseen-lab accuracy':>19} {'Spearman':>8} {'MAE':>6}"]
    if louo:
        lines[0] += f"  |  {'LOUO accuracy':>13} {'Spearman':>8} {'MAE':>6}"
    for site, held in report.get("per_site", {}).items():
        line = (
            f"  {site:<16} {held['n']:>3}  {_format(held['accuracy']):>19} {_format(held['spearman']):>8}"
            f" {_format(held['mae']):>6}"
        )
        if louo and site in louo.get("per_site", {}):
            other = louo["per_site"][site]
            line += (
                f"  |  {_format(other['accuracy']):>13} {_format(other['spearman']):>8}"
                f" {_format(other['mae']):>6}"
            )
        lines.append(line)
    return lines


def louo_beside(matrix: Any, models: dict[str, Any], report: dict[str, Any], echo: Any) -> dict[str, Any]:
    """LOUO on the same pooled data, so the cost of meeting a new lab reads against a new trainee."""
    louo = cross_validate(matrix, "louo", **models)
    echo(
        f"LOUO on the same data: accuracy {_format(louo['accuracy'])}  GRS Spearman "
        f"{_format(louo['spearman'])}  MAE {_format(louo['mae'])}; per site (held out as a lab | LOUO):"
    )
    for line in site_table(report, louo):
        echo(line)
    keys = ("accuracy", "macro_f1", "spearman", "mae", "interval_coverage", "ece", "n", "per_site")
    return {k: louo.get(k) for k in keys}


def check_options(
    protocol: str, coverage: float, candidates: str, dataset_format: str = "ours", **names: str
) -> None:
    """Exit with the usage code (2), before any data is read, on a dataset format, protocol, coverage,
    candidate scope, feature set, classifier or regressor (`names`: features=, classifier=, regressor=)
    that cannot be used: an unknown option value is wrong usage, like an unknown option."""

    if not 0 < coverage < 1:
        _fail(f"--coverage must lie in (0, 1), not {coverage}", code=2)
    allowed = {
        "dataset": (dataset_format, tuple(DATASET_LOADERS)),
        "protocol": (protocol, tuple(PROTOCOLS)),
        "candidates": (candidates, tuple(SCOPES)),
        "features": (names.get("features", AUTO_FEATURE_SET), (AUTO_FEATURE_SET, *FEATURE_SETS)),
        "classifier": (names.get("classifier", "auto"), ("auto", *CLASSIFIERS)),
        "regressor": (names.get("regressor", "auto"), ("auto", *REGRESSORS)),
    }
    for option, (given, choices) in allowed.items():
        if given not in choices:
            _fail(f"--{option} must be one of {', '.join(choices)}, not {given!r}", code=EXIT_USAGE)


def register(app: typer.Typer) -> None:
    @app.command("train")
    def train(
        paths: List[Path] = typer.Argument(  # noqa: UP006 (Typer reads it at run time)
            ...,
            help="Dataset folder(s) or dataset packages (for jigsaws: one task's folder); several are pooled",
        ),
        dataset_format: str = typer.Option(..., "--dataset", help="ours, jigsaws, aixsuture or bvh"),
        procedure: Optional[str] = typer.Option(
            None, "--procedure", "-p", help="Procedure (jigsaws: the task, when left out)"
        ),
        protocol: str = typer.Option("louo", "--protocol", help="louo, loso, kfold or leave-site-out"),
        report: Optional[Path] = typer.Option(None, "--report", help="Write the metrics as JSON here"),
        out: Optional[Path] = typer.Option(None, "--out", help="Fit on all data; write ONNX + card here"),
        features: str = typer.Option("auto", "--features", help=FEATURES_HELP),
        classifier: str = typer.Option("auto", "--classifier", help=CLASSIFIER_HELP),
        regressor: str = typer.Option("auto", "--regressor", help=REGRESSOR_HELP),
        candidates: str = typer.Option("standard", "--candidates", help=CANDIDATES_HELP),
        coverage: float = typer.Option(0.9, "--coverage", help="Nominal coverage of the score interval"),
        name: Optional[str] = typer.Option(None, "--name", help="Model name (default <procedure>-scorer)"),
        version: str = typer.Option("1", "--version", help="Model version for the card"),
        cache: Optional[Path] = typer.Option(None, "--cache", help="Folder caching tracked videos' motion"),
    ) -> None:
        """Cross-validate a scorer on a labelled dataset (accuracy, macro-F1, GRS Spearman, MAE)."""

        check_options(
            protocol, coverage, candidates, dataset_format, features=features, classifier=classifier,
            regressor=regressor,
        )  # fmt: skip
        try:
            run_training(
                dataset_format,
                paths,
                procedure=procedure,
                protocol=protocol,
                feature_set=features,
                classifier=classifier,
                regressor=regressor,
                coverage=coverage,
                candidates=candidates,
                report_path=report,
                out_dir=out,
                name=name,
                version=version,
                cache_dir=cache,
            )
        except (
            DatasetError,
            TrainingError,
            MotionError,
            ProcedureError,
            FileNotFoundError,
            ValueError,
        ) as exc:
            _fail(str(exc))  # ValueError: e.g. an unknown classifier name
