"""The plugin's configuration: where the URL comes from, naming the metadata, loop scopes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from aorm.sql import MetaData
from aorm.testing.config import (
    configured_url,
    default_sqlite_url,
    fixture_loop_scope,
    load_metadata,
)
from tests.testing.models import Base


def test_the_option_wins_then_the_environment_then_the_ini(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AORM_TEST_URL", raising=False)
    pytester.makeini("[pytest]\naorm_url = sqlite:///from-ini.db\n")
    assert configured_url(pytester.parseconfig()) == "sqlite:///from-ini.db"
    monkeypatch.setenv("AORM_TEST_URL", "sqlite:///from-env.db")
    assert configured_url(pytester.parseconfig()) == "sqlite:///from-env.db"
    config = pytester.parseconfig("--aorm-url", "sqlite:///from-option.db")
    assert configured_url(config) == "sqlite:///from-option.db"


def test_nothing_configured_means_the_default(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AORM_TEST_URL", raising=False)
    pytester.makeini("[pytest]\n")
    assert configured_url(pytester.parseconfig()) is None
    assert default_sqlite_url(Path("/tmp/x")) == "sqlite:////tmp/x/aorm-test.db"


def test_the_fixture_loop_scope_follows_pytest_asyncio(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\n")
    assert fixture_loop_scope(pytester.parseconfig()) == "function"
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = fixture-scope\n")
    assert fixture_loop_scope(pytester.parseconfig()) == "function"
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = session\n")
    assert fixture_loop_scope(pytester.parseconfig()) == "session"


def test_metadata_by_name() -> None:
    module = "tests.testing.models"
    assert load_metadata(f"{module}:Base.metadata") is Base.metadata
    assert load_metadata(f"{module}:Base") is Base.metadata
    assert isinstance(Base.metadata, MetaData)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("tests.testing.models", "must read 'package.module:attribute'"),
        ("no_such_module_xyz:Base", "cannot import 'no_such_module_xyz'"),
        ("tests.testing.models:Nope", "'Nope' not found"),
        ("tests.testing.models:Item.__tablename__", "names str, which is neither a MetaData"),
    ],
)
def test_metadata_mistakes_are_named(spec: str, message: str) -> None:
    with pytest.raises(pytest.fail.Exception, match=re.escape(message)):
        load_metadata(spec)
    assert "no_such_module_xyz" not in sys.modules
