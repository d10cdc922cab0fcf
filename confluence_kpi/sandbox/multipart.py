"""Reading `multipart/form-data` bodies (attachment uploads) with the stdlib email parser."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from confluence_kpi.sandbox.errors import bad_request


@dataclass(frozen=True)
class Part:
    """One form field; `filename` is set for file parts."""

    name: str
    filename: str | None
    content_type: str  # "" when the part did not say
    data: bytes


def parse_form(content_type: str, body: bytes) -> list[Part]:
    """The parts of a multipart body; 400 when it is not one."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise bad_request("Expected a multipart/form-data body")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart() or message.defects:
        raise bad_request("The multipart/form-data body could not be read")
    parts = []
    for part in message.iter_parts():
        if not isinstance(part, EmailMessage):
            continue
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        parts.append(
            Part(
                name=name if isinstance(name, str) else "",
                filename=part.get_filename(),
                content_type=part.get_content_type() if part["content-type"] else "",
                data=data if isinstance(data, bytes) else b"",
            )
        )
    return parts


def field(parts: list[Part], name: str) -> str | None:
    """The text of a non-file field."""
    for part in parts:
        if part.name == name and part.filename is None:
            return part.data.decode("utf-8", "replace")
    return None
