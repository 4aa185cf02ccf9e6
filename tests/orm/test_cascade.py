"""Cascade strings parsed into CascadeOptions."""

from __future__ import annotations

import pytest

from aorm.exc import MappingError
from aorm.orm import CascadeOptions
from aorm.orm.cascade import parse_cascade


def test_default_is_save_update_and_merge() -> None:
    options = parse_cascade(None, where="A.b")
    assert options == frozenset({"save-update", "merge"})
    assert options.save_update
    assert options.merge
    assert not (options.delete)
    assert not (options.delete_orphan)
    assert not (options.expunge)


def test_all_expands_and_delete_orphan_adds() -> None:
    options = parse_cascade("all, delete-orphan", where="A.b")
    assert isinstance(options, CascadeOptions)
    assert options == frozenset(
        {"save-update", "merge", "refresh-expire", "expunge", "delete", "delete-orphan"}
    )
    assert options.refresh_expire
    assert options.delete_orphan
    assert repr(options) == (
        "CascadeOptions('save-update, merge, refresh-expire, expunge, delete, delete-orphan')"
    )


def test_none_and_lists_and_spacing() -> None:
    assert parse_cascade("none", where="A.b") == frozenset()
    assert parse_cascade("", where="A.b") == frozenset()
    assert parse_cascade(["delete", "save-update"], where="A.b") == frozenset(
        {"delete", "save-update"}
    )
    assert parse_cascade("  merge ,expunge ", where="A.b") == frozenset({"merge", "expunge"})
    assert repr(parse_cascade("none", where="A.b")) == "CascadeOptions('none')"


def test_mistakes_name_the_relationship() -> None:
    with pytest.raises(MappingError, match=r"A\.b: unknown cascade 'save'"):
        parse_cascade("save, merge", where="A.b")
    with pytest.raises(MappingError, match=r"A\.b: cascade 'delete-orphan' needs 'delete'"):
        parse_cascade("delete-orphan", where="A.b")
    with pytest.raises(MappingError, match=r"A\.b: cascade 'none' cannot be combined"):
        parse_cascade("none, delete", where="A.b")
