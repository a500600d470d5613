"""The hand-built history of tests/stats, whose figures are known, for the open datasets."""

from tests.stats.conftest import TODAY, history  # noqa: F401  (the fixture, shared)
