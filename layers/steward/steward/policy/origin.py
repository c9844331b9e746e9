"""Whether an event comes from the function's own account and region: only then may it act."""

from __future__ import annotations

from dataclasses import dataclass

from steward.vocabulary.home import Home


@dataclass(frozen=True)
class Foreign:
    """Why an event is refused: `reason` is a short code, `detail` names both sides."""

    reason: str
    detail: str


def foreign_origin(account: str, region: str, home: Home, *, other_accounts: bool = False) -> Foreign | None:
    """None when the event is from `home`; otherwise why it is refused.

    `other_accounts` is for the operator bus, whose resource policy decides which accounts may send.
    """
    if not other_accounts and account != home.account:
        return Foreign(
            "other-account",
            f"the event is from account {account}; this function acts only in its own account {home.account}",
        )
    if region != home.region:
        return Foreign(
            "other-region",
            f"the event is from region {region}; this function acts only in its own region {home.region}",
        )
    return None
