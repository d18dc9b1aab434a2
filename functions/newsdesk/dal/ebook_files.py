"""Short-lived, presigned S3 GETs of e-book PDFs (signed for the SDK's configured endpoint)."""

from __future__ import annotations

from newsdesk.config import settings
from newsdesk.dal.clients import s3

PDF_MEDIA_TYPE = "application/pdf"
# S3 allows up to 7 days; the URL only bridges our 302 to the download, so never more than this.
MAX_PRESIGNED_SECONDS = 300


def presigned_pdf_url(key: str, *, content_disposition: str, expires_in: int) -> str:
    """A GET URL for `key` that makes the browser save the file under a chosen name."""
    return s3().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": settings().content_bucket,
            "Key": key,
            "ResponseContentDisposition": content_disposition,
            "ResponseContentType": PDF_MEDIA_TYPE,
        },
        ExpiresIn=min(expires_in, MAX_PRESIGNED_SECONDS),
    )
