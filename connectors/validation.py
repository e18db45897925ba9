"""Reading vendor objects into vendor models, with one error that names the bad field."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from connectors.errors import MalformedResponseError

__all__ = ["parse_model"]

M = TypeVar("M", bound=BaseModel)


def parse_model(model: type[M], payload: Any, what: str) -> M:
    """Validate one vendor object.

    Raises:
        MalformedResponseError: "<what>: <field path>: <problem>" for the first bad field.
    """
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise MalformedResponseError(f"{what}: {where}: {first['msg']}") from exc
