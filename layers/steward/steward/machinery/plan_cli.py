"""`steward plan`: what the deployed stack would do now, and why, from a terminal; nothing but reads.

    steward plan [--region R ...] [--service S ...] [--format table|json|csv] [--stack NAME]
                 [--retention-days-default N] [--min-keep N] [--revoke-shared-snapshots true|false]
                 [--final-snapshot-retention-days N] [--at ISO-8601] [--profile P] [--quiet]

Exit codes: 0 nothing would be deleted, 3 something would be, 1 a failure (each named on stderr),
2 a flag Steward does not accept.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from botocore.exceptions import ProfileNotFound

from steward.flows.plan import Plan, listed_services, plan, plan_settings
from steward.machinery.regions import check_region
from steward.machinery.report import Action, Decision, RunResult
from steward.machinery.settings import SettingsError
from steward.services import read_only
from steward.services.caller import account_id
from steward.services.clients import AwsError, configured_region, error_code, use_profile
from steward.services.stacks import StackNotFound, stack_parameters, stack_resource
from steward.vocabulary.service import Service

NOTHING, WOULD_DELETE, FAILED, BAD_FLAG = 0, 3, 1, 2
# flag -> the setting it sets (the deployed functions' variable names).
FLAGS = {
    "--retention-days-default": "DEFAULT_RETENTION_DAYS",
    "--min-keep": "MIN_KEEP",
    "--revoke-shared-snapshots": "REVOKE_SHARED_SNAPSHOTS",
    "--service": "SERVICES",
    "--final-snapshot-retention-days": "FINAL_SNAPSHOT_RETENTION_DAYS",
}
# Steward's service names -> botocore's (CloudHSM's current API is cloudhsmv2).
BOTOCORE_NAMES = {"elasticache": "elasticache", "redshift": "redshift", "cloudhsm": "cloudhsmv2"}
COLUMNS = [
    "region",
    "service",
    "kind",
    "resource_id",
    "source_cluster",
    "age_days",
    "action",
    "reason",
    "detail",
]
TITLES = ["REGION", "SERVICE", "KIND", "RESOURCE", "CLUSTER", "AGE", "ACTION", "REASON", "WHY"]
# Widths for the table; the last column (the why) is never cut short.
WIDTHS = [11, 11, 22, 34, 20, 4, 12, 22, 0]
ORDER = {Action.WOULD_DELETE: 0, Action.PENDING: 1, Action.KEPT: 2}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.profile:
            use_profile(args.profile)
        # Before the first client sends anything: from here on, only reads leave this process.
        progress = Progress(sys.stderr, quiet=args.quiet)
        read_only.enable(progress.call)
        regions, source = _regions(args.region)
        # Before the first call: a region botocore does not know is a typo, not a connection error.
        _check_regions(source, regions, ["sts", *(["cloudformation"] if args.stack else [])])
        region = regions[0]
        settings = plan_settings(
            stack_parameters(args.stack, region) if args.stack else {},
            {variable: _value(args, flag) for flag, variable in FLAGS.items()},
            source={variable: flag for flag, variable in FLAGS.items()},
            region=region,
        )
        _check_regions(
            source, regions, [BOTOCORE_NAMES[name] for name in listed_services(settings, args.service)]
        )
        clock = _clock(args.at)
        planned = plan(
            regions,
            settings,
            clock,
            account_id(region),
            services=args.service,
            progress=progress.service_done,
            state_table=stack_resource(args.stack, "StateTable", region) if args.stack else None,
        )
    except (SettingsError, StackNotFound, ProfileNotFound) as error:
        print(f"steward plan: {error}", file=sys.stderr)
        return BAD_FLAG
    except AwsError as error:
        print(f"steward plan: {error_code(error)}: {error}", file=sys.stderr)
        return FAILED
    finally:
        read_only.disable()
    progress.done()
    sys.stdout.write(render(planned, args.format))
    return exit_code(planned.result)


def exit_code(result: RunResult) -> int:
    """1 naming each failure on stderr, else 3 if anything would be deleted, else 0."""
    for failure in result.failures:
        print(f"steward plan: failed: {failure}", file=sys.stderr)
    if result.failures:
        return FAILED
    return WOULD_DELETE if any(d.action is Action.WOULD_DELETE for d in result.decisions) else NOTHING


def render(planned: Plan, output: str) -> str:
    result, alerts = planned.result, planned.alerts.subjects
    decisions = sorted(
        result.decisions, key=lambda d: (d.region, d.service, ORDER.get(d.action, 1), d.resource_id)
    )
    if output == "json":
        return (
            json.dumps(
                {
                    "summary": result.summary(),
                    "decisions": [d.model_dump(mode="json") for d in decisions],
                    "wouldAlert": alerts,
                },
                indent=2,
            )
            + "\n"
        )
    rows = [[_cell(d, column) for column in COLUMNS] for d in decisions]
    if output == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerows([COLUMNS, *rows])
        return text.getvalue()
    lines = ["  ".join(t.ljust(w) for t, w in zip(TITLES, WIDTHS, strict=True)).rstrip()]
    for row in rows:
        cells = [c if not w or len(c) <= w else c[: w - 1] + "…" for c, w in zip(row, WIDTHS, strict=True)]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, WIDTHS, strict=True)).rstrip())
    counts = Counter(d.action.value for d in decisions)
    lines.append(f"\n{len(decisions)} items at {result.clock.isoformat()}: " + json.dumps(dict(counts)))
    lines += [f"would alert: {subject}" for subject in alerts]
    return "\n".join(lines) + "\n"


class Progress:
    """API calls per region and service on stderr, on one line, while a large account is listed;
    silent when stderr is not a terminal or with --quiet."""

    def __init__(self, stream: TextIO, quiet: bool) -> None:
        self.stream, self.on = stream, not quiet and stream.isatty()
        self.calls: Counter[tuple[str, str]] = Counter()

    def call(self, service: str, operation: str, region: str) -> None:
        self.calls[(region, operation)] += 1
        if self.on:
            pages = self.calls[(region, operation)]
            self.stream.write(f"\r\033[Klisting {region} {service} {operation}: page {pages}")
            self.stream.flush()

    def service_done(self, region: str, service: str, decided: int) -> None:
        if self.on:
            self.stream.write(f"\r\033[K{region} {service}: listed; {decided} items decided so far\n")

    def done(self) -> None:
        if self.on:
            self.stream.write("\r\033[K")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="steward plan",
        description="Show what the deployed Steward stack would do now, and why; sends only reads.",
    )
    parser.add_argument("--region", action="append", help="repeat for several (default: your AWS config)")
    parser.add_argument(
        "--service",
        action="append",
        choices=[s.value for s in Service],
        help="repeat for several (default: all)",
    )
    parser.add_argument("--format", choices=["table", "json", "csv"], default="table")
    parser.add_argument("--stack", help="read the settings from this deployed stack's parameters")
    parser.add_argument("--profile", help="an AWS profile of your config (default: the standard chain)")
    parser.add_argument("--at", help="judge as of this ISO-8601 time with a zone (default: now)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--retention-days-default", help="DefaultRetentionDays (template default 0)")
    parser.add_argument("--min-keep", help="MinKeep (template default 1)")
    parser.add_argument("--revoke-shared-snapshots", help="RevokeSharedSnapshots: true or false")
    parser.add_argument("--final-snapshot-retention-days", help="FinalSnapshotRetentionDays (-1 = forever)")
    return parser


def _regions(given: list[str] | None) -> tuple[list[str], str]:
    """--region's, else the region of the standard AWS config chain (AWS_REGION, AWS_DEFAULT_REGION,
    the profile's `region`); with where they came from, for an error message."""
    if given:
        return given, "--region"
    region = configured_region()
    if not region:
        raise SettingsError(
            "--region: none given and no region in your AWS config: expected --region, "
            "AWS_REGION / AWS_DEFAULT_REGION, or `region =` in the profile of ~/.aws/config"
        )
    return [region], "the region of your AWS config"


def _check_regions(source: str, regions: Sequence[str], services: Sequence[str]) -> None:
    for region in regions:
        try:
            check_region(source, region, services)
        except ValueError as error:
            raise SettingsError(str(error)) from None


def _value(args: argparse.Namespace, flag: str) -> object:
    value = getattr(args, flag.removeprefix("--").replace("-", "_"))
    return ",".join(value) if isinstance(value, list) else value


def _clock(at: str | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    try:
        clock = datetime.fromisoformat(at)
    except ValueError:
        clock = None
    if clock is None or clock.tzinfo is None:
        raise SettingsError(f"--at {at!r}: expected an ISO-8601 time with a zone, e.g. 2026-12-01T00:00:00Z")
    return clock.astimezone(UTC)


def _cell(decision: Decision, column: str) -> str:
    value = getattr(decision, column)
    return "" if value is None else str(value)


if __name__ == "__main__":
    sys.exit(main())
