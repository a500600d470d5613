"""People, accounts, login, roles and the permission policy."""
