"""Every request checked against the constraints its botocore service model declares.

botocore's client-side validation checks only minimums, and moto checks nothing; the services
check the lot. So before moto handles a request, this module re-parses it from the wire (moto's
own protocol parser, so a Query request is checked as the structure the client meant, not as
its flattened ``Member.N`` keys) and walks the operation's input shape: required members,
``min``/``max`` of numbers, ``min``/``max`` length of strings, blobs, lists and maps (strings
counted in UTF-16 units, as the services' Java does), ``pattern`` (matched against the whole
value) and ``enum``.

A request that breaks one is answered with the service's own validation error, HTTP 400, in
the wording AWS's request validation uses ("1 validation error detected: Value '50' at
'maxResults' failed to satisfy constraint: Member must have value less than or equal to 25").
Only the services in :data:`VALIDATION_ERRORS` are checked (the ones Steward calls); a request
moto's parser cannot read, and a call moto serves that is not in the model (moto's own API),
pass through untouched.

botocore patterns are Java regular expressions. They are compiled with the ``regex`` module,
which reads Java's ``\\p{L}``-style classes, after turning UTF-16 surrogate-pair ranges into
code-point ranges; a pattern that still does not compile is skipped and listed in
:data:`SKIPPED_PATTERNS`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import regex
from botocore.exceptions import DataNotFoundError, UnknownServiceError
from botocore.model import OperationNotFoundError
from moto.core.common_types import TYPE_RESPONSE
from moto.core.exceptions import ServiceException
from moto.core.model import OperationModel, Shape
from moto.core.parse import PROTOCOL_PARSERS
from moto.core.request import determine_request_protocol
from moto.core.responses import ActionResult, BaseResponse
from moto.core.utils import get_service_model

# botocore service name -> the code the service answers a request its model refuses with.
VALIDATION_ERRORS = {
    # The CloudHSM v2 model's own "request is invalid" exception (JSON protocol); the service
    # refuses an out-of-range MaxResults with it (aws/aws-tools-for-powershell#124, ListTags).
    "cloudhsmv2": "CloudHsmInvalidRequestException",
    # JSON-protocol services' Common Errors: "ValidationException: The input fails to satisfy
    # the constraints specified by an AWS service. HTTP Status Code: 400".
    "kms": "ValidationException",
    "dynamodb": "ValidationException",
    "events": "ValidationException",
    # Query protocol: the model's InvalidParameterValueException shape, wire code
    # InvalidParameterValue, HTTP 400 (ElastiCache API reference, Common Errors).
    "elasticache": "InvalidParameterValue",
    # The Redshift model has no shape for it, but the Redshift API reference's Common Errors
    # page lists "InvalidParameterValue: An invalid or out-of-range value was supplied for the
    # input parameter. HTTP Status Code: 400"
    # (https://docs.aws.amazon.com/redshift/latest/APIReference/CommonErrors.html).
    "redshift": "InvalidParameterValue",
    # These models' own invalid-parameter exceptions (shapes InvalidParameterException, and
    # SNS's InvalidParameterException with wire code InvalidParameter).
    "resourcegroupstaggingapi": "InvalidParameterException",
    "sns": "InvalidParameter",
    "logs": "InvalidParameterException",
}

# Patterns the ``regex`` module cannot compile, even after translation (skipped, not enforced).
SKIPPED_PATTERNS: set[str] = set()

_SURROGATE_PAIR = regex.compile(r"\\u(D[89AB][0-9A-F]{2})\\u(D[C-F][0-9A-F]{2})", regex.I)


class ModelValidationError(ServiceException):
    """Defined here, not in moto: moto looks up a service model from a moto exception's package."""


def _code_point(match: regex.Match[str]) -> str:
    high, low = int(match[1], 16), int(match[2], 16)
    return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08X}"


@functools.cache
def compiled(pattern: str) -> regex.Pattern[str] | None:
    """The model's Java pattern as a compiled regex, or None (recorded) if it cannot be read."""
    try:
        return regex.compile(_SURROGATE_PAIR.sub(_code_point, pattern), regex.V0)
    except regex.error:
        SKIPPED_PATTERNS.add(pattern)
        return None


@functools.cache
def _operation(service: str, action: str) -> OperationModel | None:
    try:
        return get_service_model(service).operation_model(action)
    except (UnknownServiceError, DataNotFoundError, OperationNotFoundError):
        return None


def _length(value: Any) -> int:
    if isinstance(value, str):  # Java's String.length(): UTF-16 code units
        return len(value.encode("utf-16-le")) // 2
    return len(value)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _member_path(parent: str, name: str) -> str:
    member = name[:1].lower() + name[1:]
    return f"{parent}.{member}" if parent else member


def violations(shape: Shape, value: Any, path: str = "") -> Iterator[str]:
    """Each constraint of ``shape`` (and its members) that ``value`` breaks, in AWS's words."""
    meta = shape.metadata
    failed: list[str] = []
    if shape.type_name in ("integer", "long", "float", "double") and isinstance(value, int | float):
        if "min" in meta and value < meta["min"]:
            failed.append(f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            failed.append(f"Member must have value less than or equal to {meta['max']}")
    elif shape.type_name in ("string", "blob", "list", "map") and hasattr(value, "__len__"):
        if "min" in meta and _length(value) < meta["min"]:
            failed.append(f"Member must have length greater than or equal to {meta['min']}")
        if "max" in meta and _length(value) > meta["max"]:
            failed.append(f"Member must have length less than or equal to {meta['max']}")
    if shape.type_name == "string" and isinstance(value, str):
        pattern = compiled(meta["pattern"]) if "pattern" in meta else None
        if pattern is not None and pattern.fullmatch(value) is None:
            failed.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
        if shape.enum and value not in shape.enum:
            failed.append(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
    for constraint in failed:
        yield f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: {constraint}"

    if shape.type_name == "structure" and isinstance(value, dict):
        for name in shape.required_members:
            if value.get(name) is None:
                yield (
                    f"Value null at '{_member_path(path, name)}' failed to satisfy constraint: "
                    "Member must not be null"
                )
        for name, member in shape.members.items():
            if value.get(name) is not None:
                yield from violations(member, value[name], _member_path(path, name))
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value, start=1):
            yield from violations(shape.member, item, f"{path}.{index}.member")
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            yield from violations(shape.key, key, f"{path}.{key}.key")
            yield from violations(shape.value, item, f"{path}.{key}.value")


def _request_params(response: BaseResponse, operation: OperationModel) -> dict[str, Any] | None:
    """The request as the client sent it, parsed into the operation's input shape."""
    request = response.normalized_request
    try:
        protocol = determine_request_protocol(operation.service_model, request.content_type)
        parser = PROTOCOL_PARSERS[protocol](operation, map_type=dict)
        parsed: dict[str, Any] = parser.parse(
            {
                "method": request.method,
                "values": request.values,
                "headers": request.headers,
                "body": request.data,
                "url_path": request.path,
                "url_params": response.uri_match,
            }
        )
    except Exception:  # a request moto cannot parse is moto's to answer
        return None
    return parsed


def check(response: BaseResponse) -> str | None:
    """The validation message for this request, or None when the model accepts it."""
    service = response.boto3_service_name
    if service not in VALIDATION_ERRORS:
        return None
    action = response._get_action()
    operation = _operation(service, action) if action else None
    if operation is None or operation.input_shape is None:
        return None
    params = _request_params(response, operation)
    if params is None:
        return None
    found = list(violations(operation.input_shape, params))
    if not found:
        return None
    noun = "error" if len(found) == 1 else "errors"
    return f"{len(found)} validation {noun} detected: {'; '.join(found)}"


def install() -> None:
    """Check each request before the handler installed so far (moto's, or faults') runs."""
    handler = BaseResponse.call_action

    def call_action(self: BaseResponse) -> TYPE_RESPONSE:
        message = check(self)
        if message is None:
            return handler(self)
        error = ModelValidationError(VALIDATION_ERRORS[self.boto3_service_name], message)
        _, headers, body = self.serialized(ActionResult(error))
        headers["status"] = 400
        return 400, headers, body

    BaseResponse.call_action = call_action  # type: ignore[method-assign]
