"""The address a per-client limit counts: the viewer's behind our CDN, else the caller's.

Behind CloudFront, API Gateway's `sourceIp` is an edge server shared by thousands of
readers. CloudFront forwards the reader's address in `CloudFront-Viewer-Address`, but anyone
calling the API directly can send that header too, so it is believed only when the request
also carries the origin secret that only our distribution adds (`X-Origin-Verify`, a
Secrets Manager secret the stack generates; template.yaml, `CdnDistribution`).
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import TYPE_CHECKING

from newsdesk.dal.secrets import origin_verify_secret

if TYPE_CHECKING:
    from starlette.requests import Request

VIEWER_ADDRESS_HEADER = "cloudfront-viewer-address"
ORIGIN_VERIFY_HEADER = "x-origin-verify"


def viewer_ip(header: str) -> str | None:
    """The IP of `CloudFront-Viewer-Address` (`192.0.2.1:46532`, `2001:db8::1:46532`)."""
    host, separator, port = header.strip().rpartition(":")
    if not separator or not port.isdigit():
        return None
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def from_our_cdn(presented: str | None) -> bool:
    """Whether the request carries the secret only our distribution adds."""
    if not presented:
        return False
    expected = origin_verify_secret()
    return expected is not None and hmac.compare_digest(presented.encode(), expected.encode())


def source_ip(request: Request) -> str:
    """The caller's address as API Gateway saw it (HTTP API v2 or REST v1), else the socket's."""
    event = request.scope.get("aws.event")
    if isinstance(event, dict):
        context = event.get("requestContext") or {}
        ip = (context.get("http") or {}).get("sourceIp") or (context.get("identity") or {}).get(
            "sourceIp"
        )
        if isinstance(ip, str) and ip:
            return ip
    return request.client.host if request.client else "unknown"


def client_ip(request: Request) -> str:
    """The reader's address: CloudFront's viewer address when our CDN vouches for it."""
    forwarded = request.headers.get(VIEWER_ADDRESS_HEADER)
    if forwarded and from_our_cdn(request.headers.get(ORIGIN_VERIFY_HEADER)):
        viewer = viewer_ip(forwarded)
        if viewer is not None:
            return viewer
    return source_ip(request)
