"""An expert reference pooled from several labs' datasets, with each site's spread shown.

    reference, spread = pooled_reference(dataset, "suturing", name="pooled-suturing-reference")

The experts (samples an educator rated `expert`) of every site build one reference, as
`skillsight reference build` would; each site's own median and spread per metric sit beside the
pooled ones, so a lab sees whether its experts move like the others' before it relies on the pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skillsight.datasets import Dataset, Sample
from skillsight.scoring.reference import Reference, ReferenceError, build_reference

EXPERT = "expert"


def _experts(dataset: Sequence[Sample]) -> dict[str, list[Sample]]:
    by_site: dict[str, list[Sample]] = {}
    for sample in dataset:
        if sample.skill_level == EXPERT:
            by_site.setdefault(str(sample.groups.get("site", "")), []).append(sample)
    return by_site


def _person(sample: Sample) -> str:
    """The expert as a person: participant ids are a site's own, so the site is part of the name."""
    site = str(sample.groups.get("site", ""))
    participant = str(sample.participant)
    return participant if not site or participant.startswith(f"{site}/") else f"{site}/{participant}"


def pooled_reference(
    dataset: Dataset, procedure: str, *, name: str, version: str = "1"
) -> tuple[Reference, dict[str, Any]]:
    """The pooled reference, and per metric {site: {median, spread, n}} plus the pooled figures."""
    by_site = _experts(dataset)
    experts = [s for samples in by_site.values() for s in samples]
    if not experts:
        raise ReferenceError(f"{dataset.path}: no sample rated expert to build a reference from")
    sites = ", ".join(f"{site or '?'} ({len(samples)})" for site, samples in sorted(by_site.items()))
    reference = build_reference(
        [s.motion for s in experts],
        procedure,
        name,
        version,
        f"experts pooled from sites {sites}",
        experts=[_person(s) for s in experts],
    )
    spread: dict[str, Any] = {
        metric: {"pooled": {"median": d.median, "spread": d.spread, "n": d.n}}
        for metric, d in reference.features.items()
    }
    for site, samples in sorted(by_site.items()):
        try:
            own = build_reference(
                [s.motion for s in samples],
                procedure,
                f"{name}-{site}",
                version,
                site,
                experts=[_person(s) for s in samples],
            )
        except (ReferenceError, ValueError):
            continue  # too few usable experts at this site: the pooled figures stand alone
        for metric, d in own.features.items():
            if metric in spread:
                spread[metric][site or "?"] = {"median": d.median, "spread": d.spread, "n": d.n}
    return reference, spread


def spread_lines(spread: dict[str, Any], metrics: Sequence[str]) -> list[str]:
    """A table for people: per metric, the pooled median +/- spread and each site's."""
    lines = []
    for metric in metrics:
        if metric not in spread:
            continue
        parts = [
            f"{who} {v['median']:.3g} +/- {v['spread']:.2g} (n={v['n']})" for who, v in spread[metric].items()
        ]
        lines.append(f"  {metric}: " + "; ".join(parts))
    return lines
