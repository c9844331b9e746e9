"""Fixtures for the fakeaws tests: fake credentials, moto with fakeaws installed, boto3 clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
)
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3
from moto import mock_aws

import fakeaws

ACCOUNT = "123456789012"
REGION = "us-east-1"
OTHER_REGION = "us-west-2"

fakeaws.install()


@pytest.fixture
def mocked() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def ec(mocked: None) -> Any:
    return boto3.client("elasticache", region_name=REGION)


@pytest.fixture
def rs(mocked: None) -> Any:
    return boto3.client("redshift", region_name=REGION)


@pytest.fixture
def hsm(mocked: None) -> Any:
    return boto3.client("cloudhsmv2", region_name=REGION)


@pytest.fixture
def kms(mocked: None) -> Any:
    return boto3.client("kms", region_name=REGION)
