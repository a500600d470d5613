"""Indicators of a startup: definitions, values by period, objectives, cost per use."""
