"""Check or refresh the stored fingerprints of every metric on the fixed motions.

    python scripts/metric_fingerprints.py            # print what differs from the stored fingerprints
    python scripts/metric_fingerprints.py --write    # store today's values (after bumping a version)

A metric whose value changes on the same motion has changed definition: bump its version in
scoring/features/definitions.py first (tests/unit/scoring/test_metric_definitions.py insists).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from metric_fingerprints import (  # noqa: E402 - after the path above
    FINGERPRINTS_FILE,
    compute_fingerprints,
    fingerprint_problems,
    read_fingerprints,
)

from skillsight.base.atomic import write_text_atomic  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="store today's fingerprints")
    args = parser.parse_args()
    now = compute_fingerprints()
    if args.write:
        FINGERPRINTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(FINGERPRINTS_FILE, json.dumps(now, indent=1, sort_keys=True) + "\n", mode=0o644)
        print(f"wrote {FINGERPRINTS_FILE}")
        return 0
    stored = read_fingerprints() if FINGERPRINTS_FILE.exists() else {}
    problems = fingerprint_problems(stored, now)
    print("\n".join(problems) if problems else "every metric matches its stored fingerprint")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
