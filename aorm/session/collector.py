"""Pausing the cyclic garbage collector over a synchronous stretch of per-object work.

The pause itself lives in :mod:`aorm._collector`, below every layer, so the
dialects and the engine can pause over their per-row work too; it is
re-exported here, where the session's modules have always imported it.
"""

from __future__ import annotations

from aorm._collector import PausedCollector

__all__ = ["PausedCollector"]
