"""Shared core in the public schema: accounts, federal reporting, audit."""
