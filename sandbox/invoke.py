"""`make invoke FUNCTION=retention EVENT=events/retention-schedule.json`: one handler, one event.

What `sam local invoke` would do, without Docker: a cold start of functions/<FUNCTION>/app.py
with the template's environment, against a local fake AWS (moto) holding the stack's table and
topic, and optionally the demo fleet. Prints the handler's result (or its error) and its
decisions. DRY_RUN stays true unless --live.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sandbox.demo import DECISION_COLUMNS, seed_retention_fleet, table
from sandbox.fleet import Fleet
from sandbox.lambda_runtime import invoke
from sandbox.server import local_aws
from sandbox.stack import stack_resources

FUNCTIONS = sorted(p.parent.name for p in Path(__file__).resolve().parent.parent.glob("functions/*/app.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make invoke", description=__doc__.splitlines()[0])
    parser.add_argument("function", choices=FUNCTIONS)
    parser.add_argument("event", type=Path, help="a JSON event file, e.g. events/retention-schedule.json")
    parser.add_argument("--live", action="store_true", help="DRY_RUN=false")
    parser.add_argument("--seed", action="store_true", help="seed the demo's retention fleet first")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="extra environment")
    args = parser.parse_args(argv)
    try:
        event = json.loads(args.event.read_text())
    except (OSError, ValueError) as error:
        parser.error(f"EVENT={args.event}: {error}")
    extra = dict(item.split("=", 1) for item in args.env if "=" in item)

    with local_aws():
        region = str(event.get("region") or "us-east-1") if isinstance(event, dict) else "us-east-1"
        env = {**stack_resources(region), "DRY_RUN": "false" if args.live else "true", **extra}
        if args.seed:
            seed_retention_fleet(Fleet(region=region))
        run = invoke(args.function, event, env)

    if run.decisions():
        print(table(run.decisions(), DECISION_COLUMNS))
    if run.error is not None:
        print(f"{type(run.error).__name__}: {run.error}", file=sys.stderr)
        return 1
    print(json.dumps(run.result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
