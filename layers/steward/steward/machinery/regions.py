"""The regions a command-line flag may name: those botocore's endpoint data lists for the services
the command will call, in every partition. Checked before anything is sent, so a typo is one line
naming the flag, not a connection error."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import botocore
import botocore.session


@cache
def known_regions(service: str) -> frozenset[str]:
    """Every region of every partition where botocore knows an endpoint of `service` (e.g. cloudhsmv2)."""
    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions(service, partition)
    )


def check_region(source: str, region: str, services: Sequence[str]) -> None:
    """ValueError naming `source` (e.g. --region), the region and what is accepted, unless botocore
    knows `region` for each of `services` (botocore service names)."""
    anywhere = set().union(*(known_regions(service) for service in services))
    for service in services:
        known = known_regions(service)
        if region in known:
            continue
        # A real region lacking one service is a different mistake from a region that does not exist.
        lacking = f": {service} is not offered there" if region in anywhere else ""
        raise ValueError(
            f"{source} {region!r}{lacking}: expected a region botocore {botocore.__version__} knows for "
            f"{service}, one of {', '.join(sorted(known))}"
        )
