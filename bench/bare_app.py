"""The baseline of the stamp-page benchmark: bare Flask rendering a page of the same size.

It answers the same Digital Link paths with a Jinja template shaped like the consumer page
(inherited base, a few variables from the URL, Vietnamese text), padded so the body has exactly
BARE_PAGE_BYTES bytes, the size bench_page.py measured on the real page. No database, no
extensions, no session: what is left is gunicorn, Werkzeug, Flask routing and Jinja, the floor
under any page the real app can serve. The ratio app/bare then shows what the app's own work
costs, on the same machine, in the same run.

Served by bench_page.py: `gunicorn --pythonpath bench bare_app:app`.
"""

from __future__ import annotations

import os

from flask import Flask, Response, render_template
from jinja2 import DictLoader

TEMPLATES = {
    "base.html": """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{% block title %}{% endblock %}</title>
<link rel="stylesheet" href="/static/css/consumer.css">
</head>
<body>
<main>
{% block main %}{% endblock %}
</main>
<footer>Dịch vụ truy xuất nguồn gốc Đồng Nai · Sở Khoa học và Công nghệ</footer>
</body>
</html>
""",
    "page.html": """{% extends "base.html" %}
{% block title %}{{ product }}{% endblock %}
{% block main %}
<section class="verdict genuine" role="status">
  <h1>✔ Tem chính hãng — lần quét đầu tiên</h1>
  <p>Tem này do {{ producer }} phát hành qua dịch vụ truy xuất nguồn gốc Đồng Nai.</p>
</section>
<p class="actions">
  <a class="button" href="/report/01/{{ gtin }}/10/{{ lot }}/21/{{ serial }}">Báo hàng giả</a>
</p>
<section class="product">
  <h2>{{ product }}</h2>
  <dl>
    <dt>Mã vạch (GTIN)</dt><dd>{{ gtin }}</dd>
    <dt>Lô</dt><dd>{{ lot }}</dd>
    <dt>Tem</dt><dd>{{ serial }}</dd>
  </dl>
</section>
<!-- {{ padding }} -->
{% endblock %}
""",
}
PRODUCT = "Sầu riêng Ri6 Xuân Lộc"
PRODUCER = "Hợp tác xã Nông nghiệp Xuân Lộc"
# A real stamp path of the run: GTINs, lots and serials of one batch have one length each, so
# padding the page for this one makes every page exactly BARE_PAGE_BYTES long.
SAMPLE_PATH = os.environ.get("BARE_SAMPLE_PATH", "/01/08938501000019/10/L261101/21/AAAAAAAAAAA")

app = Flask(__name__, static_folder=None)
app.jinja_env.loader = DictLoader(TEMPLATES)


def _render(gtin: str, lot: str, serial: str, padding: str) -> str:
    return render_template(
        "page.html",
        product=PRODUCT,
        producer=PRODUCER,
        gtin=gtin,
        lot=lot,
        serial=serial,
        padding=padding,
    )


def padding_for(flask_app: Flask, render, target: int, *extra) -> str:
    """Filler that brings a page to `target` bytes, measured once with the sample stamp:
    `render(gtin, lot, serial, *extra, padding)` is the app's page (floor_app uses it too)."""
    _, _, gtin, _, lot, _, serial = SAMPLE_PATH.split("/")
    with flask_app.test_request_context():
        size = len(render(gtin, lot, serial, *extra, "").encode())
    if target < size:
        raise SystemExit(f"{flask_app.name}: BARE_PAGE_BYTES={target} is below its page's {size}")
    return "x" * (target - size)


PADDING = padding_for(app, _render, int(os.environ.get("BARE_PAGE_BYTES", "5000")))


@app.get("/01/<gtin>/10/<lot>/21/<serial>")
def page(gtin: str, lot: str, serial: str) -> Response:
    response = Response(_render(gtin, lot, serial, PADDING), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}
