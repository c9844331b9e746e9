"""`python -m steward.machinery.cli` (bin/steward): the operator's events and `steward plan`, from a terminal.

    steward key-removed --cluster-id cluster-likphkxygsn --removed-at 2026-11-02T09:30:00Z \\
        [--key-created-at 2025-03-14T08:00:00Z] [--immediate] [--reason "CHG-4211"] [--region us-west-2]
    steward purge-undo --purge-id purge-cluster-likphkxygsn-20261102T093000Z [--bus steward-operator]

Each puts the same event on Steward's operator bus that an operator could put by hand (source
`steward`), so HsmPurgeFunction handles it exactly as it would any other delivery; prints the
event id. The bus is `--bus`, else $OPERATOR_BUS_NAME, else the bus the template creates for the
stack `steward` (stack output OperatorBusName). The detail carries `requestedBy`, the caller's
identity from STS GetCallerIdentity; the bus's resource policy is what makes it trustworthy (only
the operators may put events there). `--dry-print` prints the event (without `requestedBy`)
instead of sending it. Send it in the cluster's region: --region, else your AWS config's.
`steward plan ...` is machinery/plan_cli.py's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from steward.events.operator.models import (
    KEY_REMOVED,
    OPERATOR_SOURCE,
    PURGE_UNDO,
    KeyRemovedDetail,
    PurgeUndoDetail,
    removed_by,
)
from steward.machinery import plan_cli
from steward.machinery.regions import check_region
from steward.machinery.validation import problems
from steward.services.clients import AwsError, client, configured_region, error_code

FLAGS = {
    "clusterId": "--cluster-id",
    "removedAt": "--removed-at",
    "keyCreatedAt": "--key-created-at",
    "immediate": "--immediate",
    "reason": "--reason",
    "purgeId": "--purge-id",
}


# template.yaml names the operator bus ${AWS::StackName}-operator; samconfig.toml's stack is "steward".
DEFAULT_OPERATOR_BUS = "steward-operator"
# What the commands are about and call in the cluster's region (botocore names): CloudHSM's backups,
# EventBridge and STS.
SERVICES = ["cloudhsmv2", "events", "sts"]
# The ids key purges are given (flows/key_purge/triggers.py purge_id_for): the cluster, then the
# removal's instant (and an audit log's key handle) or the KMS key.
PURGE_ID = re.compile(
    r"purge-cluster-[0-9a-zA-Z]{1,32}-(\d{8}T\d{6}Z(-handle-\d+)?|key-[A-Za-z0-9_-]{1,128})"
)
ACCEPTED_PURGE_ID = (
    "a purge id as its notification gives it, e.g. purge-cluster-likphkxygsn-20261102T093000Z "
    "or purge-cluster-likphkxygsn-key-1234abcd-12ab-34cd-56ef-1234567890ab"
)


class CliError(Exception):
    """A flag has a value Steward does not accept; the message names flag, value and what is accepted."""


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["plan"]:
        return plan_cli.main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        entry = _entry(args)
        if args.dry_print:
            print(json.dumps({**entry, "Detail": json.loads(entry["Detail"])}, indent=2))
            return 0
        region = _region(args.region)
    except CliError as error:
        print(f"steward {args.command}: {error}", file=sys.stderr)
        return 2
    try:
        caller = client("sts", region).get_caller_identity()["Arn"]
    except AwsError as error:
        print(
            f"steward {args.command}: GetCallerIdentity failed: {error_code(error)}: {error}", file=sys.stderr
        )
        return 1
    entry["Detail"] = json.dumps({**json.loads(entry["Detail"]), "requestedBy": caller})
    try:
        response = client("events", region).put_events(Entries=[{**entry, "EventBusName": args.bus}])
    except AwsError as error:
        print(f"steward {args.command}: PutEvents failed: {error_code(error)}: {error}", file=sys.stderr)
        return 1
    result = response["Entries"][0]
    if "EventId" not in result:
        print(
            f"steward {args.command}: EventBridge refused the event: "
            f"{result.get('ErrorCode')}: {result.get('ErrorMessage')}",
            file=sys.stderr,
        )
        return 1
    print(result["EventId"])
    return 0


class _Command(argparse.ArgumentParser):
    """A command that names an unknown flag before any missing one: argparse reports the required
    flags first, so `key-removed --bogus` would ask for --cluster-id, not point at the typo."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.flags: set[str] = set()
        # Exact flags only: an abbreviation is not a flag this command names.
        super().__init__(*args, **{**kwargs, "allow_abbrev": False})

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        self.flags.update(action.option_strings)
        return action

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        given = list(args or [])
        words = given[: given.index("--")] if "--" in given else given
        # A value is never read as a flag: one with a space, or a negative number, as argparse reads them.
        unknown = [
            word
            for word in words
            if word.startswith("-")
            and " " not in word
            and not re.fullmatch(r"-\d+|-\d*\.\d+", word)
            and word.partition("=")[0] not in self.flags
        ]
        if unknown:
            self.error(f"unrecognized arguments: {' '.join(unknown)}")
        return super().parse_known_args(given, namespace)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="steward", description="Send Steward's operator events; show what the stack would do."
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Command)
    # Handled by plan_cli (main hands it the rest of the line); listed here so --help shows it.
    commands.add_parser(
        "plan", add_help=False, help="what the deployed stack would do now, and why; only reads (plan --help)"
    )

    removed = commands.add_parser("key-removed", help="report key material removed from a CloudHSM cluster")
    removed.add_argument("--cluster-id", required=True, help="e.g. cluster-likphkxygsn")
    removed.add_argument(
        "--removed-at", required=True, help="ISO-8601 with a time zone, e.g. 2026-11-02T09:30:00Z"
    )
    removed.add_argument("--key-created-at", help="when the key was created (older backups are kept)")
    removed.add_argument("--immediate", action="store_true", help="do not wait for a clean restore point")
    removed.add_argument("--reason", help="free text kept with the purge record, e.g. a change number")

    undo = commands.add_parser("purge-undo", help="restore the backups a purge deleted (within 7 days)")
    undo.add_argument("--purge-id", required=True, help="from the purge notification")

    for command in (removed, undo):
        command.add_argument("--region", default=None, help="the cluster's region (default: your AWS config)")
        command.add_argument(
            "--bus",
            default=os.environ.get("OPERATOR_BUS_NAME") or DEFAULT_OPERATOR_BUS,
            help="the stack's operator bus (output OperatorBusName; default $OPERATOR_BUS_NAME, "
            f"else {DEFAULT_OPERATOR_BUS})",
        )
        command.add_argument("--dry-print", action="store_true", help="print the event, do not send it")
    return parser


def _region(given: str | None) -> str:
    """--region (already checked), else the region of the standard AWS config chain, checked."""
    if given is not None:
        return given
    region = configured_region()
    if not region:
        raise CliError(
            "--region: none given and no region in your AWS config: expected --region (the cluster's), "
            "AWS_REGION / AWS_DEFAULT_REGION, or `region =` in the profile of ~/.aws/config"
        )
    _check_region("the region of your AWS config", region)
    return region


def _check_region(source: str, region: str) -> None:
    try:
        check_region(source, region, SERVICES)
    except ValueError as error:
        raise CliError(str(error)) from None


def _entry(args: argparse.Namespace) -> dict[str, Any]:
    if args.region is not None:
        _check_region("--region", args.region)
    detail: dict[str, Any]
    if args.command == "key-removed":
        detail = {"clusterId": args.cluster_id, "removedAt": args.removed_at}
        if args.key_created_at is not None:
            detail["keyCreatedAt"] = args.key_created_at
        if args.immediate:
            detail["immediate"] = True
        if args.reason is not None:
            detail["reason"] = args.reason
        removal = _check(KeyRemovedDetail, detail)
        try:
            # The function checks against its own clock too; refusing here saves a round trip.
            removed_by(removal.removedAt, datetime.now(UTC))
        except ValueError as error:
            raise CliError(f"--removed-at {args.removed_at!r}: expected {error}") from None
        detail_type = KEY_REMOVED
    else:
        detail = {"purgeId": args.purge_id}
        _check(PurgeUndoDetail, detail)
        if not PURGE_ID.fullmatch(args.purge_id):
            raise CliError(f"--purge-id {args.purge_id!r}: expected {ACCEPTED_PURGE_ID}")
        detail_type = PURGE_UNDO
    return {"Source": OPERATOR_SOURCE, "DetailType": detail_type, "Detail": json.dumps(detail)}


def _check[M: BaseModel](model: type[M], detail: dict[str, Any]) -> M:
    """The function's own validation, run before sending: a bad value fails here, not in Lambda."""
    try:
        return model.model_validate(detail)
    except ValidationError as error:
        first = problems(error)[0]
        field = first.field.partition(".")[0]
        flag = FLAGS.get(field, field)
        # The event's field names, where the message names one, read as the flags the operator typed.
        accepted = re.sub(r"\b(" + "|".join(FLAGS) + r")\b", lambda name: FLAGS[name[1]], first.accepted)
        raise CliError(f"{flag} {detail.get(field)!r}: expected {accepted}") from None


if __name__ == "__main__":
    sys.exit(main())
