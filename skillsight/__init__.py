"""SkillSight: objective, explainable feedback on procedural-skills practice videos."""

import sys

__version__ = "0.1.0"

# Say plainly when the Python is too old, instead of failing later with a syntax or import error.
if sys.version_info[:2] < (3, 10):
    raise RuntimeError(
        f"SkillSight needs CPython 3.10 or newer; this is Python "
        f"{sys.version_info.major}.{sys.version_info.minor}. Create an environment with a supported Python."
    )
