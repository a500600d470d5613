"""Investment committees, scheduling and reminders, KPI presentations, evaluation grids, decisions."""
