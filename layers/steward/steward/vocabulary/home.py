"""Home: the account and region a function runs in, the only place it acts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Home:
    """Taken from the function's own identity (its ARN, AWS_REGION), never from an event."""

    account: str
    region: str
