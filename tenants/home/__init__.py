"""Homes per role: what a cluster's admin or staff, a member's representative and the platform's
admin see first after signing in (selectors.py), each block from a fixed number of queries."""
