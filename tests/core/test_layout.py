"""The layout rule of the README: imports flow one way, in the order of app.AREAS."""

import re
from pathlib import Path

from app import AREAS

ROOT = Path(__file__).resolve().parents[2]
ORDER = ("core", *AREAS)
IMPORT = re.compile(r"^\s*(?:from|import)\s+([a-z_]+)")


def test_no_area_imports_an_area_after_it():
    rank = {area: index for index, area in enumerate(ORDER)}
    upward = []
    for area in ORDER:
        for path in sorted((ROOT / area).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                match = IMPORT.match(line)
                if match and rank.get(match.group(1), -1) > rank[area]:
                    upward.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert upward == []


def test_the_package_holds_every_area():
    """pyproject.toml lists the packages an install holds: every area and core, so that an installed Jalons
    (not only one run from its source folder) has them all."""
    import tomllib

    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {name.rstrip("*") for name in include} >= {"core", *AREAS}
