"""`make invoke FUNCTION=retention EVENT=events/retention-schedule.json`: one handler, one event.

What `sam local invoke` would do, without Docker: a cold start of functions/<FUNCTION>/app.py
with the template's environment, as deployed in the event's account and region, against a local
fake AWS (moto) holding the stack's table and topic, and with --seed what the sample needs
(sandbox/sample_seeds.py). Prints the handler's result (or its error) and its decisions.
DRY_RUN stays true unless --live.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox.demo import DECISION_COLUMNS, table
from sandbox.fleet import ACCOUNT, Fleet
from sandbox.lambda_runtime import Invocation, invoke
from sandbox.sample_seeds import audit_delivery, deployed, sample_settings, seed_sample
from sandbox.server import local_aws
from sandbox.stack import stack_resources

FUNCTIONS = sorted(p.parent.name for p in Path(__file__).resolve().parent.parent.glob("functions/*/app.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make invoke", description=__doc__.splitlines()[0])
    parser.add_argument("function", choices=FUNCTIONS)
    parser.add_argument("event", type=Path, help="a JSON event file, e.g. events/retention-schedule.json")
    parser.add_argument("--live", action="store_true", help="DRY_RUN=false")
    parser.add_argument(
        "--seed", action="store_true", help="seed what the sample needs first (events/README.md)"
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        type=_setting,
        metavar="NAME=VALUE",
        help="extra environment, e.g. --env MIN_KEEP=2 (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        event = json.loads(args.event.read_text())
    except (OSError, ValueError) as error:
        parser.error(f"EVENT={args.event}: {error}")
    region, account, clock = _deployment(event)

    with local_aws(), _acting_as(account):
        seeded = sample_settings(event) if args.seed else {}
        env = {
            **stack_resources(region),
            **seeded,
            "DRY_RUN": "false" if args.live else "true",
            **dict(args.env),
        }

        def run(function: str, sample: dict[str, Any]) -> Invocation:
            return invoke(function, sample, env, deployed(function, account, region))

        if args.seed:
            seed_sample(args.function, event, Fleet(region=region, account=account, now=clock), run)
        result = run(args.function, event)

    if result.decisions():
        print(table(result.decisions(), DECISION_COLUMNS))
    if result.error is not None:
        print(f"{type(result.error).__name__}: {result.error}", file=sys.stderr)
        return 1
    print(json.dumps(result.result, indent=2, default=str))
    return 0


def _setting(item: str) -> tuple[str, str]:
    name, equals, value = item.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"{item!r} is not NAME=VALUE (e.g. --env DRY_RUN=false)")
    return name, value


def _deployment(event: Any) -> tuple[str, str, datetime]:
    """The region, account and clock the sample was recorded in (defaults for a sample without them)."""
    fields = event if isinstance(event, dict) else {}
    delivery = audit_delivery(fields)  # a CloudWatch Logs delivery names only its owner
    region = str(fields.get("region") or "us-east-1")
    account = str(fields.get("account") or delivery.get("owner") or ACCOUNT)
    try:
        clock = datetime.fromisoformat(str(fields["time"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        clock = datetime.now(UTC)  # the handler refuses such an event itself, naming the field
    return region, account, clock


@contextmanager
def _acting_as(account: str) -> Iterator[None]:
    # The fake answers every request of this process (the seeds and the handler) in the
    # sample's account, as the function deployed there would be answered; undone afterwards.
    previous = os.environ.get("MOTO_ACCOUNT_ID")
    os.environ["MOTO_ACCOUNT_ID"] = account
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("MOTO_ACCOUNT_ID")
        else:
            os.environ["MOTO_ACCOUNT_ID"] = previous


if __name__ == "__main__":
    sys.exit(main())
