import json
import logging

import pytest

from config import request_id
from config.celery import ping
from tests.notifications.worker import mail_worker, wait_for

pytestmark = pytest.mark.django_db


def test_every_response_names_its_request_id(client):
    first = client.get("/healthz/live")["X-Request-ID"]
    second = client.get("/healthz/live")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_the_proxys_request_id_is_kept_and_a_hostile_one_replaced(client):
    kept = client.get("/healthz/live", HTTP_X_REQUEST_ID="caddy-5f0c2a1e-77")
    assert kept["X-Request-ID"] == "caddy-5f0c2a1e-77"
    hostile = client.get("/healthz/live", HTTP_X_REQUEST_ID="x\nFAKE log line")
    assert hostile["X-Request-ID"] != "x\nFAKE log line"
    assert len(hostile["X-Request-ID"]) == 32


def production_formatter() -> logging.Formatter:
    from django.utils.module_loading import import_string
    from pythonjsonlogger.json import JsonFormatter

    from .support import production_settings

    logging_config = production_settings(["LOGGING"])["LOGGING"]
    handler = logging_config["handlers"]["console"]
    assert handler["formatter"] == "json"
    options = dict(logging_config["formatters"]["json"])
    formatter_class = import_string(options.pop("()"))
    assert issubclass(formatter_class, JsonFormatter)
    return formatter_class(**options)


def test_production_logs_are_json_lines_with_the_request_id():
    formatter = production_formatter()
    record = logging.LogRecord(
        "bookings.services", logging.INFO, __file__, 1, "Booked %s", ("#7",), None
    )
    token = request_id._current.set("req-0123456789")
    try:
        request_id.RequestIdFilter().filter(record)
    finally:
        request_id._current.reset(token)

    line = json.loads(formatter.format(record))
    assert line["message"] == "Booked #7"
    assert line["level"] == "INFO"
    assert line["name"] == "bookings.services"
    assert line["request_id"] == "req-0123456789"
    assert "time" in line


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_by_a_request_logs_that_requests_id(tmp_path):
    with mail_worker(tmp_path) as worker:
        token = request_id._current.set("req-follow-me-42")
        try:
            result = ping.apply_async(queue=worker.queue)
        finally:
            request_id._current.reset(token)
        assert result.get(timeout=60) == "pong"
        line = wait_for(
            lambda: next(
                (
                    line
                    for line in worker.log.read_text().splitlines()
                    if "config.ping" in line and "succeeded" in line
                ),
                None,
            ),
            seconds=20,
        )
    assert line and "[req-follow-me-42]" in line, worker.log.read_text()[-2000:]


@pytest.mark.django_db(transaction=True)
def test_a_task_nobody_requested_logs_its_own_id(tmp_path):
    with mail_worker(tmp_path) as worker:
        result = ping.apply_async(queue=worker.queue)
        assert result.get(timeout=60) == "pong"
        line = wait_for(
            lambda: next(
                (
                    line
                    for line in worker.log.read_text().splitlines()
                    if "config.ping" in line and "succeeded" in line
                ),
                None,
            ),
            seconds=20,
        )
    assert line and f"[task-{result.id}]" in line
