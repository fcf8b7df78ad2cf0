"""Accounts: the custom User, login, publishers (发布者) and the staff roles."""
