"""Who may do what: roles, permissions, users, sessions, API tokens."""
