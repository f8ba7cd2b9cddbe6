"""Render deploy/nginx.conf for one deployment (the tests and `make cluster` use it too).

    python deploy/render_nginx.py --server-name chat.example.com \
        --upstream 10.0.1.1:8000 --upstream 10.0.1.2:8000 \
        --cert /etc/ssl/chat.crt --key /etc/ssl/chat.key \
        --static-root /srv/cfm/.local/staticfiles > /etc/nginx/conf.d/cfm.conf
"""

import argparse
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf"


def render(*, server_name: str, upstreams: list[str], cert: str, key: str, static_root: str,
           https_listen: str = "443", http_listen: str = "80", metrics_allow: list[str] = ()) -> str:
    if not upstreams:
        raise ValueError("at least one --upstream host:port (every daphne process of every app host)")
    port = https_listen.rsplit(":", 1)[-1]
    values = {
        "server_name": server_name,
        "upstream_servers": "\n".join(f"    server {u} max_fails=0;" for u in upstreams),
        "cert": cert,
        "key": key,
        "static_root": static_root.rstrip("/"),
        "https_listen": https_listen,
        "http_listen": http_listen,
        "https_port_suffix": "" if port == "443" else f":{port}",
        "metrics_allow": "\n".join(f"        allow {net};" for net in metrics_allow) or "        # no scraper network",
    }
    text = TEMPLATE.read_text()
    missing = set(re.findall(r"\{\{(\w+)\}\}", text)) - set(values)
    if missing:
        raise ValueError(f"deploy/nginx.conf names values render() does not give: {sorted(missing)}")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-name", required=True)
    parser.add_argument("--upstream", action="append", required=True, help="host:port of one daphne process")
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--static-root", required=True, help="where manage.py collectstatic wrote")
    parser.add_argument("--https-listen", default="443")
    parser.add_argument("--http-listen", default="80")
    parser.add_argument("--metrics-allow", action="append", default=[], help="a network allowed to /metrics")
    args = parser.parse_args(argv)
    sys.stdout.write(render(server_name=args.server_name, upstreams=args.upstream, cert=args.cert, key=args.key,
                            static_root=args.static_root, https_listen=args.https_listen,
                            http_listen=args.http_listen, metrics_allow=args.metrics_allow))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
