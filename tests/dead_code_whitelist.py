"""Names vulture cannot see used, for tests/test_dead_code.py: each is used by Python or by a caller's
signature, not by our code. Vulture reads this file; nothing imports or runs it."""
# ruff: noqa
# fmt: off

__getattr__  # indicators/store/__init__.py: a module's __getattr__ (PEP 562) is called by Python for lazy names
fraction     # indicators/imports.py: the on_stage(fraction, text) callback's signature, in its no-op default
exc, tb      # indicators/store/dialect.py: __exit__(exc_type, exc, tb), the context manager protocol's signature
