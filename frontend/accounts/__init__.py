"""Pages of the signed-in account: «Доступ к API» (API tokens)."""
