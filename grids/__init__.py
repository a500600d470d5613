"""Evaluation grids: versioned templates (the official lancement, acceleration and arbitrage_sponsor
grids), filled by each committee participant on their own, and their results."""
