"""The build backend: setuptools, without its notice on every editable install.

The repository folders install under one namespace (pyproject's package-dir), so setuptools makes
editable installs with an import finder and always prints a notice that a folder named like the
package in the working directory could shadow it. Here that folder *is* the package's source, so the
notice only tells every trainee something that cannot hurt them; this wrapper drops that one notice
and passes everything else (every real warning included) through unchanged.
"""

from __future__ import annotations

import warnings
from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403  (the whole PEP 517/660 interface)


def build_editable(wheel_directory: str, config_settings: Any = None, metadata_directory: Any = None) -> str:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"\s*Editable installation\.")
        return str(_setuptools.build_editable(wheel_directory, config_settings, metadata_directory))
