"""A cache of model classifications keyed by a hash of the ticket's content.

Re-running a ticket whose content has not changed returns the earlier answer without a call, so
re-classification is idempotent and cheap. The key also covers the model and the prompt version,
so changing either never serves a stale answer.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

from orchestrator.classification.result import TicketClassification

__all__ = ["ClassificationCache", "FileCache", "MemoryCache", "cache_key"]


def cache_key(content_hash: str, *, model: str, prompt_version: str) -> str:
    """The key for one ticket's content under one model and prompt."""
    return f"{model}:{prompt_version}:{content_hash}"


class ClassificationCache(Protocol):
    def get(self, key: str) -> TicketClassification | None: ...

    def put(self, key: str, value: TicketClassification) -> None: ...


def _from_dict(data: dict[str, Any]) -> TicketClassification:
    reasons = data.get("reasons") or {}
    assert isinstance(reasons, dict)
    return TicketClassification(
        trade=str(data["trade"]),
        job_type=str(data["job_type"]),
        urgency=str(data["urgency"]),
        skills=frozenset(data.get("skills") or ()),
        equipment=frozenset(data.get("equipment") or ()),
        complexity=int(data.get("complexity", 2)),
        confidence=float(data.get("confidence", 0.5)),
        reasons={str(k): tuple(v) for k, v in reasons.items()},
        engine=str(data.get("engine", "claude")),
        safety_escalation=bool(data.get("safety_escalation", False)),
    )


class MemoryCache:
    """An in-process LRU cache; thread-safe."""

    def __init__(self, max_entries: int = 10_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max = max_entries
        self._items: OrderedDict[str, TicketClassification] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> TicketClassification | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: TicketClassification) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class FileCache:
    """A JSON-lines file of cached answers, for the CLI's repeated evaluation runs."""

    def __init__(self, path: Path | str) -> None:
        self._path = Path(path)
        self._memory = MemoryCache()
        self._lock = threading.Lock()
        if self._path.exists():
            for line in self._path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                    self._memory.put(entry["key"], _from_dict(entry["value"]))
                except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                    continue  # a torn last line after a crash; the entry is simply recomputed

    def get(self, key: str) -> TicketClassification | None:
        return self._memory.get(key)

    def put(self, key: str, value: TicketClassification) -> None:
        self._memory.put(key, value)
        with self._lock:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with self._path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"key": key, "value": value.to_dict()}) + "\n")
