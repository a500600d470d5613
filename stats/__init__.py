"""Public statistics of the programme (/stats): figures computed in SQL from the real history."""
