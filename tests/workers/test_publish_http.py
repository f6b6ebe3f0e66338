"""What a publisher says when the network goes wrong after the post was sent: a silent target
and a dropped connection are told apart, and both say the post may exist."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from planner.publishers import http
from planner.publishers.base import OutcomeUnknownError, TransientPublishError
from tests.support.tcp import tcp_server


@pytest.fixture
def target() -> Iterator[tuple[str, list[str]]]:
    """A real TCP server that reads each request, then hangs up or stays silent as told."""
    behaviour: list[str] = []

    def answer(_conn: socket.socket, stop: threading.Event) -> None:
        if behaviour and behaviour[0] == "silent":
            stop.wait(2)
        # else: hang up without a word

    with tcp_server(answer) as port:
        yield f"http://127.0.0.1:{port}/hook", behaviour


def test_a_dropped_connection_is_not_called_a_timeout(target):
    url, _ = target
    with pytest.raises(OutcomeUnknownError) as raised:
        http.send("POST", url, deduplicates=False, allow_private=True, json={"text": "hi"})
    message = str(raised.value)
    assert "closed the connection before answering" in message
    assert "did not answer within" not in message and "check the channel" in message


def test_a_silent_target_is_a_timeout_and_a_deduplicating_one_is_asked_again(target):
    url, behaviour = target
    behaviour.append("silent")
    with pytest.raises(OutcomeUnknownError, match="did not answer within"):
        http.send("POST", url, deduplicates=False, allow_private=True, timeout=(2, 0.3))
    with pytest.raises(TransientPublishError, match="trying again with the same key"):
        http.send("POST", url, deduplicates=True, allow_private=True, timeout=(2, 0.3))
