"""What the committee looks at: the team's KPI presentation for a committee, and the pack the coach
sends a week before (page and PDF)."""
