"""Benchmark: two app servers share PostgreSQL and Redis, and neither shows the other's stale data.

Run by hand (PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379):

    .venv/bin/python bench/two_nodes.py [--database ocop_bench_nodes] [--products 1000]
        [--redis redis://127.0.0.1:6379/15]

Starts two gunicorn servers (DEBUG off, gunicorn.conf.py, 2 workers each) on two ports with the same
DATABASE_URL and REDIS_URL, as two machines behind a load balancer would be. Then:

1. both nodes' caches are warmed (product page, product API, progress API, dashboard) and their figures agree;
2. a staff member signs in to node A's admin (the real login form) and renames a product there; node B's
   next product page and API answer show the new name, with the session made on A;
3. generate_scale adds products and evaluations to the shared database (a write that moves the figures);
   B, asked first, shows the new figures, and the dashboard and progress API agree between A and B.

Prints each check; exits non-zero on any mismatch.
"""

import argparse
import html
import json
import random
import re
import sys
import time
import urllib.parse
from html.parser import HTMLParser

import redis
from appserver import (
    collect_static,
    free_port,
    gunicorn,
    official_session,
    postgres_database,
    production_environment,
    request,
    shell,
)
from fresh_database import manage

STAFF_PASSWORD = "Bench-nhan-vien-2026!"
STAFF_CODE = f"""
from django.contrib.auth.models import Permission, User
user, _ = User.objects.get_or_create(username="bench-staff", defaults={{"is_staff": True}})
user.set_password({STAFF_PASSWORD!r})
user.is_staff = True
user.save()
user.user_permissions.add(*Permission.objects.filter(
    content_type__app_label="products", codename__in=["view_product", "change_product"]))
import json
from products.models import Product
product = Product.objects.filter(is_published=True, evaluations__isnull=False).order_by("pk").first()
print(json.dumps([product.pk, product.slug]))
"""

failures = []


def check(label: str, ok: bool, detail: str = ""):
    print(f"  [{'ok' if ok else 'MISMATCH'}] {label}" + (f" — {detail}" if detail and not ok else ""))
    if not ok:
        failures.append(label)


class Browser:
    """A cookie-keeping client for one user; the cookies (session, CSRF) are valid on every node."""

    def __init__(self):
        self.cookies = {}

    def _keep(self, headers):
        for header in headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";")[0]

    def get(self, base_url, path):
        status, headers, body = request(base_url, path, self.cookie_header())
        self._keep(headers)
        return status, headers, body.decode()

    def post(self, base_url, path, fields):
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        status, headers, answer = request(
            base_url, path, self.cookie_header(), method="POST", body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": base_url + path},
        )
        self._keep(headers)
        return status, headers, answer.decode()

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


class FormFields(HTMLParser):
    """The fields a browser would submit from the form with id ``form_id`` (files left out)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, []
        self.select, self.textarea, self.text = None, None, ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append((attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value", "")))
        elif tag == "textarea":
            self.textarea, self.text = attrs["name"], ""

    def handle_data(self, data):
        if self.textarea:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.fields.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None


def form_fields(page: str, form_id: str) -> list:
    parser = FormFields(form_id)
    parser.feed(page)
    return parser.fields


def visible_text(page: str) -> str:
    """The page's text without markup (nonces and CSRF tokens live in attributes)."""
    main = page.split("<main", 1)[-1].split("</main>", 1)[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def figures(node, official):
    progress = json.loads(request(node, "/api/v1/progress/")[2])
    status, _, dashboard = official.get(node, "/bang-dieu-khien/")
    assert status == 200, f"dashboard on {node}: {status}"
    return progress, visible_text(dashboard)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="ocop_bench_nodes")
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()

    database_url = postgres_database(args.database, args.products)
    product_pk, slug = json.loads(shell(database_url, STAFF_CODE))
    redis.Redis.from_url(args.redis).flushdb()
    env = production_environment(database_url, collect_static(), redis_url=args.redis, OCOP_OTP_REQUIRED="0")
    official = Browser()
    official.cookies["sessionid"] = official_session(database_url)

    with gunicorn(env, port=free_port(), workers=2) as (node_a, _), gunicorn(env, port=free_port(), workers=2) as (
        node_b, _
    ):
        print(f"node A {node_a}, node B {node_b}: one PostgreSQL ({args.database}), one Redis ({args.redis})")

        print("1. Warm caches on both nodes; the figures agree")
        for node in (node_a, node_b):
            for path in ("/", f"/san-pham/{slug}/", f"/api/v1/products/{slug}/"):
                assert request(node, path)[0] == 200, f"{node}{path}"
        before_a, before_b = figures(node_a, official), figures(node_b, official)
        check("progress API: A == B", before_a[0] == before_b[0])
        check("dashboard figures: A == B", before_a[1] == before_b[1])
        shared = redis.Redis.from_url(args.redis)
        check("figures are cached in the shared Redis", bool(shared.keys("*figures*")))

        print("2. A staff member renames a product in node A's admin")
        staff = Browser()
        staff.get(node_a, "/admin/login/")
        status, headers, _ = staff.post(node_a, "/admin/login/?next=/admin/", {
            "csrfmiddlewaretoken": staff.cookies["csrftoken"], "username": "bench-staff",
            "password": STAFF_PASSWORD, "next": "/admin/",
        })
        check("login on A", status == 302 and headers["Location"] == "/admin/", f"{status} {headers['Location']}")
        change = f"/admin/products/product/{product_pk}/change/"
        status, _, page = staff.get(node_a, change)
        check("change form on A", status == 200, str(status))
        fields = form_fields(page, "product_form")
        old_name = dict(fields)["name"]
        new_name = f"{old_name.split(' · ')[0]} · đổi tên {time.strftime('%H:%M:%S')}"
        fields = [(k, new_name if k == "name" else v) for k, v in fields] + [("_save", "Lưu")]
        status, headers, page = staff.post(node_a, change, fields)
        check("saved on A (redirect to the list)", status == 302, f"{status}: {visible_text(page)[:300]}")

        status, _, page = request(node_b, f"/san-pham/{slug}/")
        check("B's next product page shows the new name", new_name in html.unescape(page.decode()), new_name)
        api = json.loads(request(node_b, f"/api/v1/products/{slug}/")[2])
        check("B's next API answer shows the new name", api.get("name") == new_name, api.get("name"))
        status, _, page = staff.get(node_b, change)
        check("the session made on A is valid on B", status == 200 and new_name in html.unescape(page), str(status))

        print("3. New products and evaluations in the shared database (generate_scale); B is asked first")
        manage("generate_scale", "--products", "50", "--seed", str(random.randrange(10**6)),
               env={**env, "DJANGO_DEBUG": "1"})
        after_b, after_a = figures(node_b, official), figures(node_a, official)
        check("progress API on B changed (not the stale cached answer)", after_b[0] != before_b[0])
        check("dashboard on B changed", after_b[1] != before_b[1])
        check("progress API: A == B", after_a[0] == after_b[0])
        check("dashboard figures: A == B", after_a[1] == after_b[1])
        print(f"  current standing before: {json.dumps(before_b[0]['current'])}")
        print(f"  current standing after (A and B): {json.dumps(after_b[0]['current'])}")

    if failures:
        print(f"FAILED: {len(failures)} mismatch(es): {', '.join(failures)}")
        sys.exit(1)
    print("All checks passed: the two nodes agree.")


if __name__ == "__main__":
    main()
