"""A tiny to-do app and its tests: how to test aorm code with ``aorm.testing``'s pytest plugin."""
