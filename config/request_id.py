"""A request id on every log line of a request and of the Celery tasks it queues.

The id comes from the proxy's `X-Request-ID` header when it looks like one (Caddy
and HAProxy set it, so the proxy's access log and ours share it), else a new
UUID. It is answered in the `X-Request-ID` response header, written into each task
message this request publishes, and taken up by the worker that runs the task; a
task started by beat uses its own task id. Written by hand: django-guid, which does
this, pins Django below 6 on Python 3.12.
"""

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
NONE = "-"
_current: ContextVar[str] = ContextVar("request_id", default=NONE)
# Letters, digits and a few separators only: the id is written into log lines.
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def current() -> str:
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # From META, not request.headers: that builds a dict of every header.
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if _ACCEPTABLE.fullmatch(offered) else uuid.uuid4().hex
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True


@before_task_publish.connect(dispatch_uid="config.request_id.publish")
def _stamp_task(headers: dict | None = None, **kwargs) -> None:
    request_id = _current.get()
    if headers is not None and request_id != NONE:
        headers.setdefault("request_id", request_id)


@task_prerun.connect(dispatch_uid="config.request_id.prerun")
def _adopt_in_task(task_id: str | None = None, task=None, **kwargs) -> None:
    request_id = getattr(task.request, "request_id", None) if task else None
    if not (isinstance(request_id, str) and _ACCEPTABLE.fullmatch(request_id)):
        request_id = f"task-{task_id}"
    _current.set(request_id)


@task_postrun.connect(dispatch_uid="config.request_id.postrun")
def _forget_in_task(**kwargs) -> None:
    _current.set(NONE)
