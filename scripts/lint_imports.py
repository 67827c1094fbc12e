"""Check the import-linter contracts in pyproject.toml (imports point only down the layers).

The repository folders install as skillsight.capture, skillsight.pose, ... (pyproject's package-dir),
which import-linter cannot follow in an editable install: it walks the skillsight folder only. So the
Python files are copied into a temporary folder laid out as installed, and lint-imports runs there.
Usage: python scripts/lint_imports.py  (exit status: lint-imports', 0 when every contract is kept).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def package_dirs(pyproject: Path) -> dict[str, str]:
    """pyproject's [tool.setuptools] package-dir: installed package name -> repository folder."""
    text = pyproject.read_text(encoding="utf-8")
    line = re.search(r"^package-dir\s*=\s*\{(.*)\}\s*$", text, re.MULTILINE)
    if line is None:
        raise SystemExit(f"{pyproject}: no package-dir line in [tool.setuptools]")
    return dict(re.findall(r'"([\w.]+)"\s*=\s*"([\w./]+)"', line.group(1)))


def installed_layout(target: Path) -> None:
    """Copy every package's .py files to where the installed package would put them."""
    for package, folder in sorted(package_dirs(ROOT / "pyproject.toml").items(), key=lambda kv: kv[0]):
        source = ROOT / folder
        destination = target.joinpath(*package.split("."))
        for path in source.rglob("*.py"):
            relative = path.relative_to(source)
            # A subfolder mapped on its own (e.g. skillsight.pose.trackers) is copied by its own entry.
            out = destination / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, out)


def main() -> int:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    with tempfile.TemporaryDirectory(prefix="skillsight-imports-") as folder:
        installed_layout(Path(folder))
        env = {**os.environ, "PYTHONPATH": folder}
        command = [str(lint_imports), str(ROOT / "pyproject.toml"), "--no-cache"]
        return subprocess.run(command, cwd=folder, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
