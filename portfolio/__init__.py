"""The read side: the portfolio, a startup's page, incubators and organisations.

It sits above every domain area (startups, indicators, committees) so that a page can show a startup's
phases, committees and indicators together while the domain areas keep their one-way imports.
"""
