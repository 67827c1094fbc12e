"""Seal model cards and references in place with the integrity manifest (skillsight.manifest).

For cards written before manifests existed, or after a card was edited on purpose (e.g. a section
added): `python scripts/seal_cards.py models/*.json`. Scorer cards cover their ONNX file too. Only
seal files you have checked: sealing says "this is what I meant".
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def seal_file(path: Path) -> str:
    from skillsight.manifest import write_sealed_card
    from skillsight.scoring.reference import content_sha256
    from skillsight.scoring.scorer import write_model_card

    card = json.loads(path.read_text(encoding="utf-8"))
    if card.get("kind") == "scorer":
        return write_model_card(path, card)["manifest"]["sha256"]
    if card.get("kind") == "reference":
        card = {k: v for k, v in card.items() if k != "manifest"}
        card["sha256"] = content_sha256(card)
        return write_sealed_card(path, card, mode=0o644, indent=1)["manifest"]["sha256"]
    raise SystemExit(f"{path}: neither a scorer card nor a reference (kind {card.get('kind')!r})")


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    for name in paths:
        print(f"{name}: manifest sha256 {seal_file(Path(name))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
