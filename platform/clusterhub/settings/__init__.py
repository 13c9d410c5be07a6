"""Settings: base (shared), local (demo/dev), test, production."""
