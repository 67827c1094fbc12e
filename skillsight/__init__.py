"""SkillSight: objective, explainable feedback on procedural-skills practice videos."""

import sys

__version__ = "0.1.0"

# mediapipe 0.10.21 bundles its models only for CPython 3.9-3.12; say so plainly instead of
# failing later with an import error deep inside a tracker.
if not ((3, 9) <= sys.version_info[:2] <= (3, 12)):
    raise RuntimeError(
        f"SkillSight supports CPython 3.9-3.12 (mediapipe 0.10.21's range); this is Python "
        f"{sys.version_info.major}.{sys.version_info.minor}. Create an environment with a supported Python."
    )
