"""Organisations, incubators, startups, their phase periods and events, and the import of beta.gouv.fr fiches."""

# The flush listeners that keep each startup's cached phase and the phase counts current: registered whenever
# the startups' models are, whichever module is imported first.
from startups import kept  # noqa: E402, F401
