"""What the wheel must carry, checked without building one (``.ci/package-check`` builds
it, installs it into a fresh virtualenv and serves from it; that takes a minute or more).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "src" / "walletguard"


def _modules_of_packages() -> set[Path]:
    """Files setuptools ships without being told: the .py files of real packages."""
    return {path for path in PACKAGE.rglob("*.py")
            if (path.parent / "__init__.py").exists()}


def test_package_data_covers_every_file_the_package_needs_at_run_time() -> None:
    """The migrations (not a package: no __init__.py), their template and py.typed are
    files a wheel leaves out unless pyproject.toml names them; `serve` on a first run and
    `migrate` need every revision."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["walletguard"]
    shipped = {path for pattern in patterns for path in PACKAGE.glob(pattern)}
    files = {path for path in PACKAGE.rglob("*")
             if path.is_file() and "__pycache__" not in path.parts}
    missing = sorted(str(p.relative_to(PACKAGE)) for p in files - _modules_of_packages()
                     - shipped)
    assert missing == [], f"add to [tool.setuptools.package-data]: {missing}"
    assert any(p.parent.name == "versions" for p in shipped)  # the revisions themselves
