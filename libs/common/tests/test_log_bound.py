"""Log lines have a size bound: a megabyte name quoted in an error makes a line of a few KiB, not megabytes."""

import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runagents_common.telemetry import MAX_LOG_TEXT_CHARS, JsonLogFormatter, bound_log_records

HUGE = 1024 * 1024


@pytest.fixture
def bounded_records() -> Iterator[None]:
    """The process-wide record factory of ``setup_telemetry``, put back as it was after the test."""
    previous = logging.getLogRecordFactory()
    bound_log_records()
    try:
        yield
    finally:
        logging.setLogRecordFactory(previous)


@pytest.fixture
def written() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing through a plain handler of its own, as uvicorn's or a library's would."""
    logger = logging.getLogger("runagents.test.bound")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def test_a_json_log_line_bounds_its_message_and_its_error() -> None:
    logger = logging.getLogger("runagents.test")
    try:
        Path("x" * HUGE).write_text("")  # the analysis job's failure seen in issue 13: a 64 MiB file name
    except OSError:
        record = logger.makeRecord(logger.name, logging.ERROR, __file__, 1, "failed on %s", ("y" * HUGE,),
                                   sys.exc_info())

    line = JsonLogFormatter().format(record)

    assert len(line) < 3 * MAX_LOG_TEXT_CHARS
    entry = json.loads(line)
    assert entry["message"].startswith("failed on yyy")
    assert f"[{len('failed on ') + HUGE - MAX_LOG_TEXT_CHARS} characters cut]" in entry["message"]
    assert "characters cut" in entry["error"]
    assert entry["error"].startswith("Traceback")


@pytest.mark.usefixtures("bounded_records")
def test_every_record_is_bounded_whichever_handler_writes_it(written: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = written

    logger.warning("could not read %s", "a" * HUGE)
    try:
        raise OSError(36, "File name too long", "b" * HUGE)
    except OSError:
        logger.exception("analysis %s failed", "c1")

    lines = stream.getvalue()
    assert len(lines) < 4 * MAX_LOG_TEXT_CHARS
    assert lines.startswith("WARNING runagents.test.bound could not read aaa")
    assert "ERROR runagents.test.bound analysis c1 failed\nTraceback" in lines
    assert lines.count("characters cut]") == 2
    assert lines.rstrip().endswith("b" * 100 + "'")


@pytest.mark.usefixtures("bounded_records")
def test_a_short_record_keeps_its_arguments_for_formatters_that_read_them() -> None:
    bound_log_records()  # a second call does not wrap the factory twice
    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/healthz", "1.1", 200), None)
    factory_made = logging.getLogRecordFactory()("x", logging.INFO, __file__, 1, "%s", ("y",), None)

    assert record.args == ("127.0.0.1:5000", "GET", "/healthz", "1.1", 200)
    assert factory_made.args == ("y",)
    assert getattr(logging.getLogRecordFactory(), "bounds_log_records", False)
