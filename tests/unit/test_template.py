"""The SAM template's promises that a lint cannot check: architecture, runtime, failure handling."""

from __future__ import annotations

import py_compile
from pathlib import Path
from typing import Any

import pytest
import yaml

from sandbox.check_build import problems

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation's short-form intrinsics (!Ref, !GetAtt, …) as plain values."""


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: f"{suffix}:{node.value!r}")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return dict(yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader))


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}


def test_functions_run_python313_on_arm64(template: dict[str, Any]) -> None:
    assert template["Globals"]["Function"]["Runtime"] == "python3.13"
    assert template["Globals"]["Function"]["Architectures"] == ["arm64"]
    for name, function in functions(template).items():
        assert function["Properties"].get("Architectures", ["arm64"]) == ["arm64"], name


def test_the_layer_is_built_for_arm64_not_just_declared_compatible(template: dict[str, Any]) -> None:
    layer = template["Resources"]["StewardLayer"]
    # layers/steward/Makefile pins the wheels to arm64 + CPython 3.13 and compiles the bytecode.
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]


def test_every_function_has_a_failure_destination_and_an_errors_alarm(template: dict[str, Any]) -> None:
    alarmed = {
        r["Properties"]["Dimensions"][0]["Value"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"]["MetricName"] == "Errors"
    }
    for name, function in functions(template).items():
        on_failure = function["Properties"]["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
        assert on_failure["Type"] == "SQS", name
        assert f"Ref:{name!r}" in alarmed, name


def test_dry_run_is_the_default(template: dict[str, Any]) -> None:
    assert template["Parameters"]["DryRun"]["Default"] == "true"


def test_the_retention_function_runs_on_a_schedule_parameter(template: dict[str, Any]) -> None:
    events = template["Resources"]["RetentionFunction"]["Properties"]["Events"]
    assert events["Sweep"]["Type"] == "Schedule"
    assert events["Sweep"]["Properties"]["Schedule"] == "Ref:'RetentionSchedule'"
    assert events["Sweep"]["Properties"]["Description"] == "Steward retention sweep"
    assert template["Parameters"]["RetentionSchedule"]["Default"] == "rate(1 day)"


ARM64_CORE = "_pydantic_core.cpython-313-aarch64-linux-gnu.so"


def built_layer(tmp_path: Path, library: str, bytecode: py_compile.PycInvalidationMode | None) -> Path:
    layer = tmp_path / "StewardLayer" / "python"
    (layer / "steward").mkdir(parents=True)
    (layer / "steward" / "__init__.py").write_text("")
    (layer / "pydantic_core").mkdir()
    (layer / "pydantic_core" / library).write_bytes(b"")
    if bytecode is not None:
        py_compile.compile(str(layer / "steward" / "__init__.py"), invalidation_mode=bytecode)
    return layer


def test_the_build_check_catches_x86_64_libraries_in_the_layer(tmp_path: Path) -> None:
    library = "_pydantic_core.cpython-313-x86_64-linux-gnu.so"
    layer = built_layer(tmp_path, library, py_compile.PycInvalidationMode.UNCHECKED_HASH)

    assert problems(tmp_path) == [f"x86_64 library in an arm64 build: {layer / 'pydantic_core' / library}"]


def test_the_build_check_accepts_an_arm64_layer_with_unchecked_hash_bytecode(tmp_path: Path) -> None:
    built_layer(tmp_path, ARM64_CORE, py_compile.PycInvalidationMode.UNCHECKED_HASH)

    assert problems(tmp_path) == []


def test_the_build_check_catches_a_module_without_bytecode(tmp_path: Path) -> None:
    layer = built_layer(tmp_path, ARM64_CORE, bytecode=None)

    assert problems(tmp_path) == [f"no bytecode for {layer / 'steward' / '__init__.py'}"]


def test_the_build_check_catches_timestamp_bytecode(tmp_path: Path) -> None:
    # A zip rounds mtimes: Lambda would find timestamp bytecode stale and, on read-only /opt, recompile.
    layer = built_layer(tmp_path, ARM64_CORE, py_compile.PycInvalidationMode.TIMESTAMP)

    compiled = layer / "steward" / "__pycache__" / "__init__.cpython-313.pyc"
    assert problems(tmp_path) == [
        f"bytecode not compiled with --invalidation-mode unchecked-hash: {compiled}"
    ]


def test_the_alerts_topic_uses_a_key_cloudwatch_alarms_may_use(template: dict[str, Any]) -> None:
    # CloudWatch alarms cannot publish to a topic encrypted with the AWS managed aws/sns key.
    resources = template["Resources"]
    assert resources["AlertsTopic"]["Properties"]["KmsMasterKeyId"] == "Ref:'AlertsKey'"
    statements = resources["AlertsKey"]["Properties"]["KeyPolicy"]["Statement"]
    cloudwatch = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch
    assert set(cloudwatch[0]["Action"]) >= {"kms:Decrypt", "kms:GenerateDataKey*"}
