"""The administration has no table of its own: its pages manage the people of the users area and their
roles in the startups area's teams."""
