"""« Mon espace »: the home page of a logged-in person, built from what their roles give them to do.
Reads the other areas; no area imports it."""
