"""Errors as Confluence reports them: the v1 body (`statusCode`, `data`, `message`)."""

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


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
