"""Organisations, incubators, startups, their phase periods and events, and the import of beta.gouv.fr fiches."""
