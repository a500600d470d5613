"""Open data (/donnees): the datasets of Jalons as CSV and JSON with their Table Schema."""
