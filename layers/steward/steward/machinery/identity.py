"""The function's own account and region, from its Lambda context and environment, never an event."""

from __future__ import annotations

import re
from typing import Protocol

from steward.vocabulary.home import Home

# arn:<partition>:lambda:<region>:<account>:function:<name>[:<alias or version>]
_FUNCTION_ARN = re.compile(r"arn:aws[a-z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:.+")


class InvokedFunction(Protocol):
    @property
    def invoked_function_arn(self) -> str: ...


def home_of(context: InvokedFunction, region: str) -> Home:
    """`region` is AWS_REGION (validated settings); the account is the one in the invoked ARN."""
    match = _FUNCTION_ARN.fullmatch(context.invoked_function_arn)
    if match is None:
        raise RuntimeError(
            f"invoked_function_arn {context.invoked_function_arn!r} is not a Lambda function ARN "
            "(arn:aws:lambda:<region>:<account>:function:<name>): cannot tell which account this is"
        )
    return Home(account=match["account"], region=region)
