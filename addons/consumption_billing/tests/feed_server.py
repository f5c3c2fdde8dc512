"""A real HTTP server on 127.0.0.1 (a free port), in a thread of the test process, serving the pages a
test scripts: consumption sources fetch from it exactly as from a remote API."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class FeedServer:
    """``routes[path]`` is a list of responses ``(status, headers, body, delay)`` served in turn (the last
    one again once the list is used up); ``requests`` records ``(path with query, headers)``."""

    def __init__(self):
        self.routes = {}
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                responses = server.routes.get(urlsplit(self.path).path)
                if not responses:
                    self.send_response(404)
                    self.end_headers()
                    return
                status, headers, body, delay = responses.pop(0) if len(responses) > 1 else responses[0]
                if delay:
                    time.sleep(delay)
                data = body.encode() if isinstance(body, str) else body
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (timeout tests)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def serve(self, path, body, status=200, headers=None, delay=0):
        """Add one response to ``path``; a dict or list body is sent as JSON."""
        headers = dict(headers or {})
        if isinstance(body, dict | list):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        self.routes.setdefault(path, []).append((status, headers, body, delay))

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
