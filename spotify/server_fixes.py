"""Make daphne cut the connection when an application fails after its response has started.

ASGI servers abort such a response (uvicorn and hypercorn close the connection), so the client
sees a truncated transfer: a transcode whose source fails mid-stream must not end as a short
answer that looks complete. daphne 4.2 instead tries to send a 500 page, which raises "HTTP
response has already been started" inside its application checker: the client hangs until it
times out, and the checker (which reaps finished applications and enforces timeouts) stops.
"""

from daphne.http_protocol import WebRequest

_send_error_page = WebRequest.handle_exception


def _handle_exception(self, exception) -> None:
    if not self._response_started:
        _send_error_page(self, exception)
        return
    # The bytes already written are flushed, then the connection closes without the end of
    # the body (a chunked answer's last chunk): the client knows the answer is incomplete.
    self.channel.loseConnection()


def install() -> None:
    """Patch daphne's request once; harmless to call again."""
    WebRequest.handle_exception = _handle_exception
