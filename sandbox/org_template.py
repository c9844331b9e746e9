"""Turns the built SAM stack into the plain CloudFormation template a StackSet can deploy.

StackSets' service-managed execution role cannot run transforms such as AWS::Serverless, and every
target account and region must read the code from S3. So: zip each function and the layer from the
`sam build` output (deterministically: same code, same key), point CodeUri/ContentUri at
`<bucket prefix>-${AWS::Region}` (one bucket per region, same keys in each), translate offline with
samtranslator, and upload the zips and the template to every region's bucket, or only write them
locally with --no-upload. docs/organisation.md is the walkthrough.

    python -m sandbox.org_template --bucket-prefix acme-steward --regions eu-west-1,us-east-1 [--no-upload]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError
from samcli.yamlhelper import yaml_parse  # type: ignore[import-untyped]
from samtranslator.parser.parser import Parser  # type: ignore[import-untyped]
from samtranslator.translator.translator import Translator  # type: ignore[import-untyped]

MEMBER_TEMPLATE = "steward-member.json"
KEY_PREFIX = "steward"
# Where each SAM resource type keeps its local code directory.
CODE_PROPERTY = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}
# S3 bucket names: 3..63 lower-case letters, digits, dots and hyphens; the region is appended.
BUCKET_PREFIX = re.compile(r"^[a-z0-9][a-z0-9.-]{1,40}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
# Same bytes for the same files: no timestamps from the build in the archive.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class CodeArchive:
    logical_id: str
    key: str
    body: bytes


def zip_directory(directory: Path) -> bytes:
    """A zip of the directory's files, sorted, with fixed dates and modes (a content-addressed key)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in directory.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            info = zipfile.ZipInfo(path.relative_to(directory).as_posix(), ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def package_code(sam_template: dict[str, Any], base: Path) -> list[CodeArchive]:
    """Zips every function's and layer's code directory, named by its content's hash."""
    archives = []
    for logical_id, resource in sam_template["Resources"].items():
        prop = CODE_PROPERTY.get(resource["Type"])
        if prop is None:
            continue
        location = resource["Properties"].get(prop)
        if not isinstance(location, str):
            raise SystemExit(
                f"{logical_id}.{prop} is {location!r}: expected a local directory from sam build"
            )
        directory = (base / location).resolve()
        if not directory.is_dir():
            raise SystemExit(
                f"{logical_id}.{prop} = {location!r}: {directory} is not a directory (run sam build)"
            )
        body = zip_directory(directory)
        digest = hashlib.sha256(body).hexdigest()[:20]
        archives.append(CodeArchive(logical_id, f"{KEY_PREFIX}/{logical_id}-{digest}.zip", body))
    return archives


def point_code_at_s3(sam_template: dict[str, Any], archives: list[CodeArchive], bucket_prefix: str) -> None:
    """CodeUri/ContentUri -> the region's own bucket, so one template serves every region."""
    bucket = {"Fn::Sub": f"{bucket_prefix}-${{AWS::Region}}"}
    for archive in archives:
        resource = sam_template["Resources"][archive.logical_id]
        resource["Properties"][CODE_PROPERTY[resource["Type"]]] = {"Bucket": bucket, "Key": archive.key}
        # sam build's record of how it built the code; CloudFormation has no use for it.
        resource.pop("Metadata", None)


def translate(sam_template: dict[str, Any]) -> dict[str, Any]:
    """samtranslator, offline: the same translation CloudFormation's AWS::Serverless transform does.

    It wants a region for its pseudo parameters; the output must not depend on it (tests/org check
    that no region is baked in), so any region will do. The template names no AWS managed policy by
    name, so there is nothing to look up in IAM.
    """
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name="us-east-1"))
    translated: dict[str, Any] = translator.translate(
        sam_template, parameter_values={}, get_managed_policy_map=dict
    )
    return translated


def member_template(built_template: Path, bucket_prefix: str) -> tuple[dict[str, Any], list[CodeArchive]]:
    sam_template = yaml_parse(built_template.read_text())
    archives = package_code(sam_template, built_template.parent)
    point_code_at_s3(sam_template, archives, bucket_prefix)
    return translate(sam_template), archives


def upload(regions: list[str], bucket_prefix: str, files: dict[str, bytes]) -> None:
    for region in regions:
        bucket = f"{bucket_prefix}-{region}"
        s3 = boto3.client("s3", region_name=region)
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError as error:
            raise SystemExit(
                f"bucket {bucket} in {region}: {error.response['Error']['Code']}; create it with the "
                "organisation read policy first (docs/organisation.md, step 2)"
            ) from error
        for key, body in files.items():
            s3.put_object(Bucket=bucket, Key=key, Body=body)


def _regions(value: str) -> list[str]:
    regions = [r.strip() for r in value.split(",") if r.strip()]
    bad = [r for r in regions if not REGION.match(r)]
    if not regions or bad:
        raise argparse.ArgumentTypeError(
            f"--regions {value!r}: expected comma-separated region names such as eu-west-1,us-east-1"
        )
    return regions


def _bucket_prefix(value: str) -> str:
    if not BUCKET_PREFIX.match(value):
        raise argparse.ArgumentTypeError(
            f"--bucket-prefix {value!r}: expected 2..41 lower-case letters, digits, dots or hyphens "
            "(the bucket is <prefix>-<region>)"
        )
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="org-template", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--bucket-prefix", type=_bucket_prefix, required=True, help="buckets are <prefix>-<region>"
    )
    parser.add_argument("--regions", type=_regions, required=True, help="comma-separated target regions")
    parser.add_argument("--built-template", type=Path, default=Path(".aws-sam/build/template.yaml"))
    parser.add_argument("--output-dir", type=Path, default=Path(".aws-sam/org"))
    parser.add_argument("--no-upload", action="store_true", help="write the zips and template locally only")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.built_template.is_file():
        raise SystemExit(f"{args.built_template} not found: run `sam build` first (make build)")
    template, archives = member_template(args.built_template, args.bucket_prefix)
    body = json.dumps(template, indent=1, sort_keys=True).encode()
    template_key = f"{KEY_PREFIX}/{MEMBER_TEMPLATE[:-5]}-{hashlib.sha256(body).hexdigest()[:20]}.json"
    files = {archive.key: archive.body for archive in archives} | {template_key: body}

    args.output_dir.mkdir(parents=True, exist_ok=True)
    for key, content in files.items():
        (args.output_dir / Path(key).name).write_bytes(content)
    (args.output_dir / MEMBER_TEMPLATE).write_bytes(body)
    if not args.no_upload:
        upload(args.regions, args.bucket_prefix, files)

    where = (
        "written locally"
        if args.no_upload
        else "uploaded to " + ", ".join(f"{args.bucket_prefix}-{r}" for r in args.regions)
    )
    print(f"{len(archives)} code archives and the member template {where}")
    print(f"local copies: {args.output_dir}/")
    print(f"member template: {args.output_dir / MEMBER_TEMPLATE} ({len(body)} bytes)")
    print("stack set TemplateURL (org/stack-set.yaml, parameter MemberTemplateUrl):")
    print(
        f"  https://{args.bucket_prefix}-{args.regions[0]}.s3.{args.regions[0]}.amazonaws.com/{template_key}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
