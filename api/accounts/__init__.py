"""API of accounts, on both kinds of host: a token for e-mail + password, the current user."""
