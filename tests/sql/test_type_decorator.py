"""User-defined types: a TypeDecorator composes with its impl."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from aorm.exc import ArgumentError, DataError
from aorm.sql.types import Boolean, Integer, Numeric, String, TypeDecorator, TypeEngine

LABEL = "t.c"


class CommaList(TypeDecorator):
    """A list of strings as comma-separated text."""

    impl = String(10)
    python_type = list

    def process_bind(self, value: Any) -> Any:
        return ",".join(value)

    def process_result(self, value: Any) -> Any:
        return value.split(",")


class Cents(TypeDecorator):
    """An int number of cents as a Numeric(12, 2) amount."""

    impl = Numeric(12, 2)

    def process_bind(self, value: Any) -> Any:
        if not isinstance(value, int):
            raise TypeError(f"cents must be int, got {type(value).__name__}")
        return Decimal(value).scaleb(-2)

    def process_result(self, value: Any) -> Any:
        return int(value.scaleb(2))


class Flag(TypeDecorator):
    """A bool, unchanged: the impl's processors alone."""

    impl = Boolean


class SizedText(TypeDecorator):
    """String with the length given at construction."""

    impl = String


class NoImpl(TypeDecorator):
    pass


def processors(type_: TypeEngine, dialect: str) -> tuple[Any, Any]:
    return type_.bind_processor(dialect, LABEL), type_.result_processor(dialect)


def test_ddl_and_checks_are_the_impls(backend: str) -> None:
    assert CommaList().ddl(backend) == "VARCHAR(10)"
    assert Flag().ddl(backend) == Boolean().ddl(backend)
    assert Flag().ddl_check(backend, "c") == Boolean().ddl_check(backend, "c")


def test_process_bind_then_impl_check(backend: str) -> None:
    bind, result = processors(CommaList(), backend)
    assert bind(["a", "b"]) == "a,b"
    assert result("a,b") == ["a", "b"]
    # The impl still checks what process_bind produced.
    with pytest.raises(DataError, match=r"t\.c.*String\(10\)"):
        bind(["abcdef", "ghijkl"])


def test_impl_result_processor_runs_first(backend: str) -> None:
    bind, result = processors(Cents(), backend)
    stored = bind(1234)
    assert stored == (1234 if backend == "sqlite" else Decimal("12.34"))
    back = result(stored)
    assert back == 1234
    assert type(back) is int


def test_errors_from_process_bind_become_data_errors(backend: str) -> None:
    bind, _ = processors(Cents(), backend)
    with pytest.raises(DataError, match=r"t\.c: Cents\.process_bind refused the value") as info:
        bind("12")
    assert isinstance(info.value.__cause__, TypeError)


def test_none_bypasses_the_methods(backend: str) -> None:
    bind, result = processors(Cents(), backend)
    assert bind(None) is None
    assert result(None) is None


def test_without_overrides_the_impls_processors_are_used(backend: str) -> None:
    flag = Flag()
    bind, result = processors(flag, backend)
    assert bind(True) is True
    with pytest.raises(DataError, match="bool"):
        bind(1)
    assert (result is None) == (backend == "postgresql")


def test_impl_class_takes_constructor_arguments(backend: str) -> None:
    sized = SizedText(3)
    assert sized.impl_type == String(3)
    assert sized.ddl(backend) == "VARCHAR(3)"
    assert sized.python_type is str
    assert CommaList().python_type is list
    assert Flag().impl_type == Boolean()


def test_equality_and_repr() -> None:
    assert SizedText(3) == SizedText(3)
    assert SizedText(3) != SizedText(4)
    assert CommaList() != String(10)
    assert repr(SizedText(3)) == "SizedText(String(3))"


def test_mistakes_are_argument_errors() -> None:
    with pytest.raises(ArgumentError, match="must set impl"):
        NoImpl()
    with pytest.raises(ArgumentError, match="takes no arguments"):
        CommaList(5)
    with pytest.raises(ArgumentError, match="positive int"):
        SizedText(0)


def test_integer_impl_keeps_its_range_check(backend: str) -> None:
    class Doubled(TypeDecorator):
        impl = Integer

        def process_bind(self, value: Any) -> Any:
            return value * 2

    bind, _ = processors(Doubled(), backend)
    assert bind(2) == 4
    with pytest.raises(DataError, match="out of range"):
        bind(2**31)
