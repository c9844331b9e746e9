"""The `KMS CMK Deletion` event."""

from __future__ import annotations

from pydantic import BaseModel, Field

from steward.events.envelope import EventEnvelope


class CmkDeletionDetail(BaseModel):
    key_id: str = Field(alias="key-id")


class KmsCmkDeletionEvent(EventEnvelope):
    """KMS's own "KMS CMK Deletion" event: guaranteed, possibly delivered more than once."""

    detail: CmkDeletionDetail
