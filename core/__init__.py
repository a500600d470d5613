"""App-level helpers shared by every area: database, configuration, formatting."""
