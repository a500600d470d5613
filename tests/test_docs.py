"""The README, package.json, the Procfile and the Makefile name only files and make targets that exist."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Made by make install / make test, or on the server: absent from a fresh checkout, on purpose.
GENERATED = ("static/vendor", "instance", "test-results", ".venv", "node_modules", "/srv/", "/etc/", "/var/")
# Paths inside the beta.gouv.fr repository, or patterns, not files of Jalons.
NOT_OURS = ("_startups/", "_incubators/", "_organisations/", "<area>/", "%2e%2e/", "@gouvfr/", "BASE_URL/")


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))


def named_make_targets(text: str) -> set[str]:
    return set(re.findall(r"`make ([a-z][a-z-]*)", text)) | set(re.findall(r"^make ([a-z][a-z-]*)", text, re.M))


def test_every_make_target_named_exists():
    targets = make_targets()
    for name in ("README.md", "package.json", "Makefile", "Procfile", ".ci/run"):
        missing = named_make_targets((ROOT / name).read_text()) - targets
        assert not missing, f"{name} names make targets that do not exist: {missing}"


def test_every_file_the_readme_names_exists():
    text = (ROOT / "README.md").read_text()
    missing = []
    for quoted in set(re.findall(r"`([^`\s]+)`", text)):
        path = quoted.split("::")[0]
        looks_like_a_file = "/" in path or re.search(r"\.(py|md|yml|json|toml|js|css|html|csv)$", path)
        if not looks_like_a_file or "=" in path or path.startswith(("http", "postgres", "sqlite", "--", "/api")):
            continue
        if path.startswith(GENERATED) or path.startswith(NOT_OURS) or path.startswith("/"):
            continue
        if not (ROOT / path.rstrip("/")).exists():
            missing.append(quoted)
    assert not missing, f"the README names files that do not exist: {sorted(missing)}"


def test_the_procfile_runs_the_wsgi_entry_point_and_the_release_migrates():
    processes = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)
    assert set(processes) == {"web", "scheduler", "release"}
    assert "wsgi:app" in processes["web"] and (ROOT / "wsgi.py").exists()
    assert processes["release"].endswith("db upgrade")
    assert processes["scheduler"].endswith("scheduler")
    assert "make assets" in json.loads((ROOT / "package.json").read_text())["description"]


def test_every_test_the_readme_names_exists():
    """`tests/a.py::test_x`, and the bare `::test_y` after it on the same line, name tests of tests/a.py."""
    missing = []
    for line in (ROOT / "README.md").read_text().splitlines():
        current = None
        for path, name in re.findall(r"`(tests/[^`:\s]+\.py)?::(\w+)", line):
            current = path or current
            if current is None:
                continue
            source = ROOT / current
            if not source.exists() or not re.search(rf"^\s*(async )?def {name}\(", source.read_text(), re.M):
                missing.append(f"{current}::{name}")
    assert not missing, f"the README names tests that do not exist: {missing}"
