"""Errors of the application layer.

FsmDispatchError
├── ConfigError      the settings file or environment is invalid (one line per problem)
├── StoreError       the database is unreachable or its schema is not at head
└── NotFoundError    a record, account or plan the caller named does not exist
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["ConfigError", "FsmDispatchError", "NotFoundError", "StoreError"]


class FsmDispatchError(Exception):
    """Base of the orchestrator's errors."""


class ConfigError(FsmDispatchError):
    """Invalid configuration; `problems` holds one line per error, each naming its YAML path."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class StoreError(FsmDispatchError):
    pass


class NotFoundError(FsmDispatchError):
    pass
