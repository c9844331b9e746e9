"""The `KMS CMK Deletion` event."""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, Field


class CmkDeletionDetail(BaseModel):
    key_id: str = Field(alias="key-id")


class KmsCmkDeletionEvent(EventBridgeModel):
    """KMS's own "KMS CMK Deletion" event: guaranteed, possibly delivered more than once."""

    detail: CmkDeletionDetail
