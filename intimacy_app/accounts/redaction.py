"""Keeping what members write out of logs and error reports.

Journal text, quiz answers and passwords arrive in request bodies and query strings, and can
end up in exception messages (`int("...")` quotes its input) and in local variables. So, with
debug off, error reports carry the shape of a failure (exception type, file, line, function,
parameter names) and never its data, and every log line goes through `PrivateLogFilter`, which
drops exception messages and masks e-mail addresses.
"""

from __future__ import annotations

import logging
import re
import traceback
from types import SimpleNamespace, TracebackType
from typing import Any

from django.http import HttpRequest
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

WITHHELD = "[withheld]"
# Every part has an upper bound (RFC 5321: 64 characters before the @, 63 per label, and we allow
# ten labels), so the work per starting position is bounded and the whole search is linear in the
# line's length. An unbounded `[\w.+-]+@` re-scanned the rest of a long run from every position:
# quadratic, and log lines carry header text that clients choose (an 8 KB Host cost 0.6 s).
EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,10}")
# Request headers that say what kind of request failed without saying who sent what.
SAFE_META = frozenset(
    {"REQUEST_METHOD", "PATH_INFO", "SERVER_NAME", "SERVER_PORT", "CONTENT_TYPE", "HTTP_ACCEPT"}
)


class PrivateExceptionReporterFilter(SafeExceptionReporterFilter):
    """Every POST value, query value, cookie and local variable is masked, not just some."""

    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL|LOCATION|DSN", flags=re.I
    )

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        if request is None:
            return {}
        if not self.is_active(request):
            return request.POST
        return {name: WITHHELD for name in request.POST}

    def get_cleansed_multivaluedict(self, request: HttpRequest, multivaluedict: Any) -> Any:
        if not self.is_active(request):
            return multivaluedict
        return {name: WITHHELD for name in multivaluedict}

    def get_safe_request_meta(self, request: HttpRequest) -> dict[str, Any]:
        meta = super().get_safe_request_meta(request)
        if not self.is_active(request):
            return meta
        return {key: value if key in SAFE_META else WITHHELD for key, value in meta.items()}

    def get_safe_cookies(self, request: HttpRequest) -> dict[str, Any]:
        if not self.is_active(request):
            return super().get_safe_cookies(request)
        return {name: WITHHELD for name in getattr(request, "COOKIES", {})}

    def get_traceback_frame_variables(self, request: HttpRequest, tb_frame: Any) -> Any:
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        return [(name, WITHHELD) for name in tb_frame.f_locals]


class PrivateExceptionReporter(ExceptionReporter):
    """Django's report, without exception messages, query values or the member's address."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        if not self.filter.is_active(self.request):
            return data
        data["unicode_hint"] = ""
        data.pop("exception_notes", None)
        if "exception_value" in data:
            data["exception_value"] = WITHHELD
        for frame in data.get("frames", []):
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = type(frame["exc_cause"]).__name__
        if self.request is not None:
            request = self.request
            data["request"] = SimpleNamespace(
                path_info=request.path_info,
                META={"REQUEST_METHOD": request.META.get("REQUEST_METHOD", "")},
                GET={name: WITHHELD for name in request.GET},
                FILES={name: WITHHELD for name in request.FILES},
                COOKIES={name: WITHHELD for name in request.COOKIES},
            )
            data["request_GET_items"] = [(name, WITHHELD) for name in request.GET]
            data["request_FILES_items"] = [(name, WITHHELD) for name in request.FILES]
            data["request_insecure_uri"] = request.path
            member_id = getattr(getattr(request, "user", None), "pk", None)
            data["user_str"] = f"member #{member_id}" if member_id else "visitor"
        return data


class PrivateLogFilter(logging.Filter):
    """Rewrites each record so it carries no exception messages and no e-mail addresses."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = mask_emails(message)
        record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = format_exception_privately(record.exc_info[1])
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask_emails(record.exc_text)
        return True


def mask_emails(text: str) -> str:
    """`text` with every e-mail address replaced by "[e-mail]", in time linear in its length."""
    return EMAIL.sub("[e-mail]", text) if "@" in text else text


def format_exception_privately(exc: BaseException) -> str:
    """A traceback with every frame of every chained exception, and none of their messages."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(_one_exception(current.__traceback__, type(current)))
        if current.__cause__ is not None:
            parts.append("The above exception was the direct cause of the following exception:")
            current = current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            parts.append("During handling of the above exception, another exception occurred:")
            current = current.__context__
        else:
            current = None
    return "\n\n".join(reversed(parts))


def _one_exception(tb: TracebackType | None, exc_type: type[BaseException]) -> str:
    frames = "".join(traceback.format_tb(tb)) if tb is not None else ""
    name = f"{exc_type.__module__}.{exc_type.__qualname__}"
    return f"Traceback (most recent call last):\n{frames}{name}: {WITHHELD}"
