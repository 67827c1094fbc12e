"""SkillSight: objective, explainable feedback on procedural-skills practice videos."""

import sys

from skillsight.base.version import __version__

__all__ = ["__version__"]

# Say plainly when the Python is too old, instead of failing later with a syntax or import error.
if sys.version_info[:2] < (3, 10):
    raise RuntimeError(
        f"SkillSight needs CPython 3.10 or newer; this is Python "
        f"{sys.version_info.major}.{sys.version_info.minor}. Create an environment with a supported Python."
    )
