"""Errors as Confluence reports them: the v1 body (`statusCode`, `data`, `message`) and the
Cloud v2 body (`errors`, a list of `status`, `code`, `title`, `detail`)."""

from __future__ import annotations

from http import HTTPStatus

from confluence_kpi.sandbox.config import Flavour

EXCEPTION_PACKAGE = "com.atlassian.confluence.api.service.exceptions"


class ApiError(Exception):
    """Raised by a handler to answer with Confluence's error body.

    `exception` is the Java class Cloud names in front of the message."""

    def __init__(self, status: int, message: str, exception: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.exception = exception or _DEFAULT_EXCEPTIONS.get(status, "ServiceException")


class PlainError(Exception):
    """Raised for the few refusals Confluence answers in plain text (the XSRF check)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


_DEFAULT_EXCEPTIONS = {
    400: "BadRequestException",
    403: "PermissionException",
    404: "NotFoundException",
    409: "ConflictException",
    413: "BadRequestException",
}


def bad_request(message: str) -> ApiError:
    """400 with the given message."""
    return ApiError(400, message)


def not_found(message: str) -> ApiError:
    """404 with the given message."""
    return ApiError(404, message)


def stale_version(current: int) -> ApiError:
    """The 409 for a version that is not current+1 (pages and content properties alike)."""
    return ApiError(409, f"Version must be incremented on update. Current version is: {current}")


def error_body(error: ApiError, flavour: Flavour) -> dict[str, object]:
    """The JSON body: Cloud prefixes the message with the exception class, DC adds `reason`."""
    message = error.message
    if flavour == "cloud":
        message = f"{EXCEPTION_PACKAGE}.{error.exception}: {message}"
    # Confluence's 404s list the message as a translation and say the request was not valid;
    # other errors carry an empty list (from public samples; the flags are [UNVERIFIED]).
    errors = (
        [{"message": {"translation": error.message, "args": []}}] if error.status == 404 else []
    )
    body: dict[str, object] = {
        "statusCode": error.status,
        "data": {
            "authorized": False,
            "valid": error.status != 404,
            "allowedInReadOnlyMode": True,
            "errors": errors,
            "successful": False,
        },
        "message": message,
    }
    if flavour == "dc":
        body["reason"] = _reason(error.status)
    return body


# The v2 body's `code` for each status: HTTP's reason phrase in upper snake case, as Cloud's
# v2 answers show it (BAD_REQUEST, NOT_FOUND, CONFLICT...).
_V2_CODES: dict[int, str] = {
    status.value: status.phrase.upper().replace(" ", "_").replace("-", "_")
    for status in HTTPStatus
    if status >= 400
}
_V2_CODES[413] = "PAYLOAD_TOO_LARGE"  # Cloud says so; the reason phrase says Request Entity...


def v2_error_body(status: int, title: str) -> dict[str, object]:
    """The v2 body: one error whose `title` is what went wrong and whose `detail` is null,
    as public client tests record Cloud answering (a duplicate title, for one)."""
    code = _V2_CODES.get(status, "ERROR")
    return {"errors": [{"status": status, "code": code, "title": title, "detail": None}]}


def message_of(body: object) -> str | None:
    """What a v1 error body (from `error_body`) says, without Cloud's exception class in front;
    None when `body` is not such a body."""
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return None
    message: str = body["message"]
    if message.startswith(EXCEPTION_PACKAGE + "."):
        return message.partition(": ")[2]
    return message


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
