"""« Mon espace » has no table of its own: it reads the other areas."""
