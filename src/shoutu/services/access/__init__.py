"""Web users, their roles and scopes, and their logins."""
