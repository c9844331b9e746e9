"""Translates template.yaml to the plain CloudFormation the SAM transform deploys, offline.

checkov and the template tests read this output, so they see the roles, permissions, rules and
log groups CloudFormation will create, not the SAM shorthand. Usage:

    python -m sandbox.translate [template.yaml] [out.json]   (out defaults to stdout)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import boto3

# samtranslator ships no type information.
from samtranslator.parser.parser import Parser  # type: ignore[import-untyped]
from samtranslator.translator.translator import Translator  # type: ignore[import-untyped]
from samtranslator.yaml_helper import yaml_parse  # type: ignore[import-untyped]

# The transform resolves AWS::Region and AWS::Partition from a session; no credentials needed.
REGION = "us-west-2"


def translate(template: Path) -> dict[str, Any]:
    sam: dict[str, Any] = yaml_parse(template.read_text())
    _packaged(sam)
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=REGION))
    # Metadata (checkov suppressions) stays on the resources that declare it and is not copied
    # onto generated ones (passthrough_metadata off), as the CloudFormation transform does.
    # The template names managed policies by ARN only, so the name -> ARN map can be empty.
    translated: dict[str, Any] = translator.translate(
        sam, parameter_values={}, passthrough_metadata=False, get_managed_policy_map=dict
    )
    return translated


def _packaged(sam: dict[str, Any]) -> None:
    """Local code paths as `sam package` would leave them (S3 URIs), as `sam validate` does too."""
    for resource in sam.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        for uri in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(uri), str) and not properties[uri].startswith("s3://"):
                properties[uri] = f"s3://steward-artifacts/{properties[uri].strip('/')}"


def main() -> int:
    template = Path(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
    text = json.dumps(translate(template), indent=1, sort_keys=True)
    if len(sys.argv) > 2:
        Path(sys.argv[2]).write_text(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
