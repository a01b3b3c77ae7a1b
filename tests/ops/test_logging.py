"""Structured logs: ``SATUSTOK_LOG_FORMAT=json`` gives one JSON object per line with the ids
passed in ``extra`` (or bound with ``log_context``); whatever the format, a secret logged by
mistake comes out masked."""

from __future__ import annotations

import io
import json
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from huey import MemoryHuey

from running_hub import hub_environment, satustok
from satustok.core.crypto import Secret
from satustok.core.logging import (
    MASK,
    ContextFilter,
    JsonFormatter,
    ScrubSecrets,
    log_context,
    scrub,
    trace_tasks,
)

WEBHOOK_SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
CLIENT_SECRET = "cs-4f1b2b0b822cd15d6c"
TOKEN = "c:Xk3mZq8yT1vB9wQe7rUo2pAs"


class Captured:
    def __init__(self, logger: logging.Logger, stream: io.StringIO) -> None:
        self.logger, self.stream = logger, stream

    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def json(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines()]


def capture(formatter: logging.Formatter) -> Iterator[Captured]:
    """A logger wired like settings.LOGGING's console handler (context, scrub, formatter)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(ContextFilter())
    handler.addFilter(ScrubSecrets())
    logger = logging.getLogger(f"satustok.test.{id(stream)}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    yield Captured(logger, stream)
    logger.removeHandler(handler)


@pytest.fixture
def json_log() -> Iterator[Captured]:
    yield from capture(JsonFormatter())


@pytest.fixture
def plain_log() -> Iterator[Captured]:
    yield from capture(logging.Formatter("%(levelname)s %(name)s %(message)s"))


def test_every_record_is_one_json_line_with_the_ids(json_log: Captured) -> None:
    json_log.logger.info("pushed %d rows", 3, extra={"integration": 4, "listing": 17})
    with log_context(run=9, order=123):
        json_log.logger.warning("order line not linked\nsecond line", extra={"listing": 5})
    json_log.logger.info("outside the block")

    assert len(json_log.lines()) == 3  # a multi-line message stays on one line
    first, second, third = json_log.json()
    assert first["message"] == "pushed 3 rows"
    assert first["level"] == "INFO"
    assert first["logger"] == json_log.logger.name
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert isinstance(first["process"], int)
    assert (first["integration"], first["listing"]) == (4, 17)
    assert (second["run"], second["order"], second["listing"]) == (9, 123, 5)
    assert second["message"] == "order line not linked\nsecond line"
    assert "run" not in third and "order" not in third


def test_an_exception_is_kept_in_the_same_line(json_log: Captured) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        json_log.logger.exception("import failed", extra={"run": 2})
    (record,) = json_log.json()
    assert record["level"] == "ERROR" and record["run"] == 2
    assert "ValueError: boom" in record["exception"]


@pytest.mark.parametrize(
    "message",
    [
        f"GET /v1/products Authorization: Bearer {TOKEN}",
        f"headers={{'Authorization': 'Bearer {TOKEN}'}}",
        f"token request client_id=abc&client_secret={CLIENT_SECRET}&grant_type=x",
        f'{{"client_secret": "{CLIENT_SECRET}", "fs_id": 15001}}',
        f"client_secret: {CLIENT_SECRET}",
        f"access_token={TOKEN}",
        f"webhook secret {WEBHOOK_SECRET} registered",
        f"Authorization-Hmac: {WEBHOOK_SECRET}",
        "DATABASE_URL=postgres://satustok:pg-pass-4f1b2b0b@db.internal:5432/satustok",
        "queue at redis://:redis-pass-822cd15d@10.0.0.7:6379/0",
    ],
)
def test_a_secret_logged_by_mistake_is_masked(json_log: Captured, message: str) -> None:
    json_log.logger.info(message)
    json_log.logger.info("%s", message)  # through the arguments too
    for line in json_log.lines():
        for secret in (TOKEN, CLIENT_SECRET, WEBHOOK_SECRET, "pg-pass-4f1b2b0b", "redis-pass"):
            assert secret not in line
        assert MASK in line


def test_secrets_are_masked_in_plain_logs_tracebacks_and_extras(plain_log: Captured) -> None:
    plain_log.logger.info("client secret %s", Secret(CLIENT_SECRET))  # masks itself
    try:
        raise RuntimeError(f"Tokopedia said no to client_secret={CLIENT_SECRET}")
    except RuntimeError:
        plain_log.logger.exception("connect failed")
    output = plain_log.stream.getvalue()
    assert CLIENT_SECRET not in output
    assert "RuntimeError: Tokopedia said no to client_secret=" + MASK in output


class Request:
    def __str__(self) -> str:
        return f"<ASGIRequest: GET '/cb?client_secret={CLIENT_SECRET}'>"


def test_extras_are_scrubbed(json_log: Captured) -> None:
    json_log.logger.info(
        "calling",
        extra={
            "url": f"https://x/token?client_secret={CLIENT_SECRET}",
            "request": Request(),
            "secret": Secret(CLIENT_SECRET),
        },
    )
    (record,) = json_log.json()
    assert record["url"] == f"https://x/token?client_secret={MASK}"
    assert record["request"] == f"<ASGIRequest: GET '/cb?client_secret={MASK}'>"
    assert CLIENT_SECRET not in json_log.stream.getvalue()


@pytest.mark.parametrize(
    "message",
    [
        "order 900000304 → 500",
        "import 12 failed: ChannelError",
        "fetched a Tokopedia access token for fs_id 15001",
        "API token Xk3mZq… created for admin",
        "order poll of integration 3 failed: RateLimited",
        "retrying after 429 Too Many Requests (attempt 2 failed); waiting 1.20s",
        "webhook tokopedia/order_status refused: missing or invalid signature",
        "Basic auth with the client id",
        "https://hub.example.com/webhooks/tokopedia/3/order_status/",
    ],
)
def test_ordinary_messages_are_left_alone(message: str) -> None:
    assert scrub(message) == message


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.addFilter(ContextFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_the_worker_logs_each_task_with_its_ids() -> None:
    huey = MemoryHuey("log-tasks-test", immediate=True)
    trace_tasks(huey, log_each=True)
    inner = logging.getLogger("satustok.test.inside")
    handler = Records()
    loggers = (inner, logging.getLogger("satustok.worker"))

    @huey.task()
    def push_stock(account_id: int) -> None:
        inner.info("pushing")

    @huey.task()
    def broken() -> None:
        raise ValueError("no")

    for logger in loggers:
        logger.addHandler(handler)
    try:
        push_stock(7)
        broken()
        inner.info("after the tasks")
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    by_message = {r.getMessage().split(" in ")[0]: r for r in handler.records}
    started = by_message["task push_stock started"]
    assert started.task_args == [7]  # type: ignore[attr-defined]
    inside = by_message["pushing"]
    assert inside.task == "push_stock" and inside.task_id == started.task_id  # type: ignore[attr-defined]
    assert inside.integration == 7  # type: ignore[attr-defined]
    assert by_message["task push_stock complete"].outcome == "complete"  # type: ignore[attr-defined]
    assert by_message["task broken error (ValueError)"].outcome == "error"  # type: ignore[attr-defined]
    assert not hasattr(by_message["after the tasks"], "task")  # the ids end with the task


def test_settings_switch_json_on_and_plain_by_default(tmp_path: Path) -> None:
    """The real settings, in a fresh process: SATUSTOK_LOG_FORMAT=json, and the default."""
    code = (
        "import logging; logging.getLogger('satustok.probe').warning("
        f"'hello client_secret={CLIENT_SECRET}', extra={{'integration': 3, 'listing': 8}})"
    )

    def run(**env: str) -> str:
        done = subprocess.run(
            satustok("shell", "-c", code),
            env=hub_environment(tmp_path, **env),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stderr

    json_lines = [json.loads(line) for line in run(SATUSTOK_LOG_FORMAT="json").splitlines()]
    probe = next(line for line in json_lines if line["logger"] == "satustok.probe")
    assert probe["message"] == f"hello client_secret={MASK}"
    assert (probe["level"], probe["integration"], probe["listing"]) == ("WARNING", 3, 8)
    plain = run()
    assert f"WARNING satustok.probe hello client_secret={MASK}" in plain
    assert CLIENT_SECRET not in plain and not plain.lstrip().startswith("{")
