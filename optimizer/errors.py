"""The optimizer's errors and warnings.

```
Exception
 └── OptimizerError            anything the optimizer raises on purpose (besides ValueError)
      └── TravelError          the travel-time source failed or answered something unusable
UserWarning
 └── SuspiciousInputWarning    legal input that is probably a mistake
```

Invalid input (a window ending before it starts, an unknown technician) raises `ValueError`
with a message naming the offending record, as the standard library does.
"""

from __future__ import annotations

__all__ = ["OptimizerError", "SuspiciousInputWarning", "TravelError"]


class OptimizerError(Exception):
    """Base of the optimizer's own errors."""


class TravelError(OptimizerError):
    """The travel-time source failed or answered something unusable."""


class SuspiciousInputWarning(UserWarning):
    """Legal input that is probably a mistake (a window outside every shift, say)."""
