"""The open data have no table of their own: they read the other areas."""
