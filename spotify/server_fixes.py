"""Two fixes to daphne's HTTP request, installed when the ASGI application is imported.

**A failure after the response started cuts the connection.** ASGI servers abort such a
response (uvicorn and hypercorn close the connection), so the client sees a truncated
transfer: a transcode whose source fails mid-stream must not end as a short answer that looks
complete. daphne 4.2 instead tries to send a 500 page, which raises "HTTP response has already
been started" inside its application checker: the client hangs until it times out, and the
checker (which reaps finished applications and enforces timeouts) stops.

**Form bodies are not parsed by the server.** Twisted's request, which daphne's extends, reads
a whole multipart/form-data (or urlencoded) POST body into memory and parses it with the email
package before daphne hands the body on to the application unparsed, which is all daphne uses.
For any POST to any URL, signed in or not: 60 MB of upload took the server from 137 to 951 MB
and held every other request for 2.2 s; the 2 GB an upload may be would exhaust the memory.
Django parses the body itself, streaming it to a temporary file.
"""

from daphne.http_protocol import WebRequest

_send_error_page = WebRequest.handle_exception
_request_init = WebRequest.__init__


def _handle_exception(self, exception) -> None:
    if not self._response_started:
        _send_error_page(self, exception)
        return
    # The bytes already written are flushed, then the connection closes without the end of
    # the body (a chunked answer's last chunk): the client knows the answer is incomplete.
    self.channel.loseConnection()


def _init_without_form_parsing(self, *args, **kwargs) -> None:
    _request_init(self, *args, **kwargs)
    self._parsePOSTFormSubmission = False  # twisted.web.http.Request.requestReceived reads it


def install() -> None:
    """Patch daphne's request once; harmless to call again."""
    WebRequest.handle_exception = _handle_exception
    WebRequest.__init__ = _init_without_form_parsing
