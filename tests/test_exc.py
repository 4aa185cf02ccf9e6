from __future__ import annotations

import inspect

import aorm.exc as exc


def test_every_error_is_an_aorm_error_with_a_public_module() -> None:
    for name in exc.__all__:
        cls = getattr(exc, name)
        assert issubclass(cls, exc.AormError), name
        assert cls.__module__ == "aorm.exc", name
        assert inspect.getdoc(cls), f"{name} has no docstring"


def test_every_error_is_drawn_in_the_module_docstring() -> None:
    doc = exc.__doc__ or ""
    for name in exc.__all__:
        assert name in doc, name


def test_disconnection_is_operational() -> None:
    assert issubclass(exc.DisconnectionError, exc.OperationalError)
    assert issubclass(exc.PoolTimeout, exc.PoolError)
    assert issubclass(exc.IntegrityError, exc.DatabaseError)
