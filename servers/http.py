"""Running a Flask app on a threaded werkzeug server until interrupted (shared by the servers)."""

from __future__ import annotations

from flask import Flask


def run_forever(app: Flask, host: str, port: int, banner: str) -> None:
    """Serve ``app`` on ``host:port``; ``banner`` is printed with ``{port}`` set to the bound port."""
    from werkzeug.serving import make_server

    server = make_server(host, port, app, threaded=True)
    print(banner.format(host=host, port=server.server_port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
