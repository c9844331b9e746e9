"""`make org-template`: a plain CloudFormation member template with its code in per-region S3 buckets."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest

from sandbox import org_template
from tests.org.conftest import BUCKET_PREFIX, REGIONS, SAM_TEMPLATE, generate, load, resources_of

CODE_TYPES = {"AWS::Lambda::Function": "Code", "AWS::Lambda::LayerVersion": "Content"}


def code_locations(member: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: resource["Properties"][CODE_TYPES[resource["Type"]]]
        for name, resource in member["Resources"].items()
        if resource["Type"] in CODE_TYPES
    }


def test_no_transform_is_left_for_the_stack_set_execution_role(member: dict[str, Any]) -> None:
    assert "Transform" not in member
    assert not [r for r in member["Resources"].values() if r["Type"].startswith("AWS::Serverless::")]
    assert len(resources_of(member, "AWS::Lambda::Function")) == 3
    assert len(resources_of(member, "AWS::Lambda::LayerVersion")) == 1


def test_every_function_and_the_layer_read_their_code_from_the_regions_own_bucket(
    member: dict[str, Any], generated: Path
) -> None:
    locations = code_locations(member)

    assert len(locations) == 4
    for name, location in locations.items():
        assert location["S3Bucket"] == {"Fn::Sub": f"{BUCKET_PREFIX}-${{AWS::Region}}"}, name
        assert (generated / Path(location["S3Key"]).name).is_file(), name


def test_the_translation_bakes_in_no_region(generated: Path) -> None:
    # samtranslator is given us-east-1 for its pseudo parameters; the template must not depend on it.
    text = (generated / org_template.MEMBER_TEMPLATE).read_text()

    assert "us-east-1" not in text
    assert "${AWS::Region}" in text


def test_archives_hold_the_code_directories(member: dict[str, Any], generated: Path) -> None:
    keys = {name: Path(loc["S3Key"]).name for name, loc in code_locations(member).items()}
    layer = next(k for k in keys if k.startswith("StewardLayer"))

    with zipfile.ZipFile(generated / keys["RetentionFunction"]) as archive:
        assert "app.py" in archive.namelist()
    with zipfile.ZipFile(generated / keys[layer]) as archive:
        assert "steward/__init__.py" in archive.namelist()


def test_the_same_code_gets_the_same_key_and_changed_code_a_new_one(tmp_path: Path) -> None:
    # Content-addressed keys: CloudFormation updates a function only when its code key changes.
    source = tmp_path / "code"
    shutil.copytree(SAM_TEMPLATE.parent / "functions" / "retention", source)
    first = org_template.zip_directory(source)
    (source / "app.py").touch()  # a new mtime, the same bytes
    assert org_template.zip_directory(source) == first

    (source / "app.py").write_text((source / "app.py").read_text() + "\n# changed\n")
    assert org_template.zip_directory(source) != first


def test_the_functions_get_the_central_bus_and_may_send_to_it_only_when_it_is_set(
    member: dict[str, Any],
) -> None:
    functions = resources_of(member, "AWS::Lambda::Function")
    policy = member["Resources"]["CentralEventBusPolicy"]

    for name, function in functions.items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["CENTRAL_EVENT_BUS_ARN"] == {"Ref": "CentralEventBusArn"}, name
    assert member["Parameters"]["CentralEventBusArn"]["Default"] == ""
    assert member["Conditions"]["HasCentralEventBus"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CentralEventBusArn"}, ""]}]
    }
    assert policy["Condition"] == "HasCentralEventBus"
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Sid": "SendAlertsAndRecordsToCentralBus",
            "Effect": "Allow",
            "Action": "events:PutEvents",
            "Resource": {"Ref": "CentralEventBusArn"},
        }
    ]
    roles = sorted(r["Ref"] for r in policy["Properties"]["Roles"])
    assert roles == sorted(f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values())


def test_uploads_the_code_and_template_to_every_regions_bucket(code_buckets: None, tmp_path: Path) -> None:
    generate(tmp_path)

    listed = {
        region: sorted(
            o["Key"]
            for o in boto3.client("s3", region_name=region).list_objects_v2(
                Bucket=f"{BUCKET_PREFIX}-{region}"
            )["Contents"]
        )
        for region in REGIONS
    }
    member = load(tmp_path / org_template.MEMBER_TEMPLATE)
    code_keys = sorted(loc["S3Key"] for loc in code_locations(member).values())
    assert listed[REGIONS[0]] == listed[REGIONS[1]]
    assert [k for k in listed[REGIONS[0]] if k.endswith(".zip")] == code_keys
    assert len([k for k in listed[REGIONS[0]] if k.endswith(".json")]) == 1


def test_a_missing_bucket_is_named_and_nothing_is_claimed_uploaded(
    aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=f"{BUCKET_PREFIX}-us-east-1")

    with pytest.raises(SystemExit, match=f"bucket {BUCKET_PREFIX}-eu-west-1 in eu-west-1: 404"):
        generate(tmp_path)

    assert "uploaded" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("option", "value", "accepted"),
    [
        ("--regions", "eu-west-1,EU", "comma-separated region names"),
        ("--regions", "", "comma-separated region names"),
        ("--bucket-prefix", "Acme_Steward", "lower-case letters, digits, dots or hyphens"),
    ],
)
def test_bad_options_are_named_with_the_value_and_what_is_accepted(
    option: str, value: str, accepted: str, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = {"--regions": "eu-west-1", "--bucket-prefix": "acme"} | {option: value}

    with pytest.raises(SystemExit):
        org_template.main([part for pair in arguments.items() for part in pair])

    error = capsys.readouterr().err
    assert f"{option} {value!r}" in error
    assert accepted in error


def test_without_a_build_it_says_to_run_sam_build(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="run `sam build` first"):
        org_template.main(
            [
                "--bucket-prefix",
                "acme",
                "--regions",
                "eu-west-1",
                "--built-template",
                str(tmp_path / "none.yaml"),
            ]
        )


def test_the_printed_template_url_is_where_the_template_was_uploaded(
    code_buckets: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate(tmp_path)

    url = capsys.readouterr().out.splitlines()[-1].strip()
    bucket, key = url.removeprefix("https://").split(".s3.")[0], url.split(".amazonaws.com/")[1]
    body = boto3.client("s3", region_name=REGIONS[0]).get_object(Bucket=bucket, Key=key)["Body"].read()
    assert json.loads(body) == load(tmp_path / org_template.MEMBER_TEMPLATE)
