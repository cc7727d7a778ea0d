"""A token bucket per user: a burst is allowed, a flood is refused with 429."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

__all__ = ["RateLimit"]


@dataclass
class RateLimit:
    """``burst`` requests at once per user, refilled at ``rate`` a second.

    Buckets live in the process: each replica of the service limits on its own.
    """

    rate: float
    burst: float
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def take(self, user: str, now: float | None = None) -> float:
        """Take one token for ``user``: 0.0 when allowed, else seconds until one is there."""
        moment = time.monotonic() if now is None else now
        tokens, then = self._buckets.get(user, (self.burst, moment))
        tokens = min(self.burst, tokens + (moment - then) * self.rate)
        if tokens < 1:
            self._buckets[user] = (tokens, moment)
            return (1 - tokens) / self.rate
        self._buckets[user] = (tokens - 1, moment)
        return 0.0
