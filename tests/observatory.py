"""Grade one HTTP response by the MDN HTTP Observatory's published scoring rules, offline.

The rules are those the Observatory runs today (its second version, 2024–), as published in
github.com/mdn/mdn-http-observatory:

- src/scanner/index.js: every site starts at 100; penalties are taken first, and the bonuses are added
  only when the score without them is 90 or more; the score is never below 0;
- src/grader/charts.js: each result's modifier (SCORE_TABLE), the grade chart (100+ is A+) and
  MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90;
- src/analyzer/tests/*.js and src/analyzer/cspParser.js: what each test reads and in which order it
  decides. The same table, for people: developer.mozilla.org/en-US/observatory/docs/tests_and_scoring.

No maintained Python package implements these rules (PyPI's ``httpobs`` is the retired first version,
last released 2022, with other modifiers and an X-XSS-Protection test the Observatory no longer runs);
the maintained one is the Observatory itself, a Node program that scans a public host name over the
network. Hence this module, which implements the tests that can be judged from one response:
Content-Security-Policy, cookies, Cross-Origin-Resource-Policy, CORS (header part), Referrer-Policy,
Strict-Transport-Security, subresource integrity, X-Content-Type-Options and X-Frame-Options.

Not graded here, and why it costs nothing when the deployment is done as docs/deploy.md says:
- redirection (HTTP → HTTPS on the same host): a second request to port 80, answered by the reverse
  proxy (deploy/nginx.conf), 0 when done right;
- crossdomain.xml / clientaccesspolicy.xml (the file part of CORS): the registry serves neither (404);
- membership of the browsers' HSTS preload list (+5): a list lookup, not a header. Never counted, so
  the grade here is at most the Observatory's.
Where this module simplifies the Observatory it errs on the strict side: several CSP policies are merged
by union (the Observatory intersects them), a script on another host is "external" unless the host is
the page's own (the Observatory accepts the same registrable domain), and <meta http-equiv> is ignored
(the registry's pages have none; the Observatory would read CSP and Referrer-Policy from it too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

# src/grader/charts.js: SCORE_TABLE (modifier of each result).
MODIFIERS = {
    # Content Security Policy
    "csp-implemented-with-no-unsafe-default-src-none": 10,
    "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
    "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20,
    "csp-implemented-with-insecure-scheme": -20,
    "csp-header-invalid": -25,
    "csp-not-implemented": -25,
    "csp-not-implemented-but-reporting-enabled": -25,
    "csp-implemented-but-duplicate-directives": 0,
    # Cookies
    "cookies-secure-with-httponly-sessions-and-samesite": 5,
    "cookies-secure-with-httponly-sessions": 0,
    "cookies-not-found": 0,
    "cookies-without-secure-flag-but-protected-by-hsts": -5,
    "cookies-session-without-secure-flag-but-protected-by-hsts": -10,
    "cookies-without-secure-flag": -20,
    "cookies-samesite-flag-invalid": -20,
    "cookies-anticsrf-without-samesite-flag": -20,
    "cookies-session-without-httponly-flag": -30,
    "cookies-session-without-secure-flag": -40,
    # Cross-origin resource sharing
    "cross-origin-resource-sharing-not-implemented": 0,
    "cross-origin-resource-sharing-implemented-with-public-access": 0,
    "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
    "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    # Referrer-Policy
    "referrer-policy-private": 5,
    "referrer-policy-not-implemented": 0,
    "referrer-policy-unsafe": -5,
    "referrer-policy-header-invalid": -5,
    # Strict-Transport-Security
    "hsts-preloaded": 5,
    "hsts-implemented-max-age-at-least-six-months": 0,
    "hsts-implemented-max-age-less-than-six-months": -10,
    "hsts-not-implemented": -20,
    "hsts-header-invalid": -20,
    "hsts-not-implemented-no-https": -20,
    # Subresource integrity
    "sri-implemented-and-all-scripts-loaded-securely": 5,
    "sri-implemented-and-external-scripts-loaded-securely": 5,
    "sri-not-implemented-response-not-html": 0,
    "sri-not-implemented-but-no-scripts-loaded": 0,
    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
    "sri-not-implemented-but-external-scripts-loaded-securely": -5,
    "sri-implemented-but-external-scripts-not-loaded-securely": -20,
    "sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
    # X-Content-Type-Options
    "x-content-type-options-nosniff": 0,
    "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    # X-Frame-Options
    "x-frame-options-implemented-via-csp": 5,
    "x-frame-options-sameorigin-or-deny": 0,
    "x-frame-options-allow-from-origin": 0,
    "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    # Cross-Origin-Resource-Policy
    "corp-implemented-with-same-origin": 10,
    "corp-implemented-with-same-site": 10,
    "corp-implemented-with-cross-origin": 0,
    "corp-not-implemented": 0,
    "corp-header-invalid": -5,
}

# src/grader/charts.js: GRADE_CHART (score rounded down to a multiple of 5, capped at 100).
GRADES = {100: "A+", 95: "A", 90: "A", 85: "A-", 80: "B+", 75: "B", 70: "B", 65: "B-", 60: "C+", 55: "C",
          50: "C", 45: "C-", 40: "D+", 35: "D", 30: "D", 25: "D-", 20: "F", 15: "F", 10: "F", 5: "F", 0: "F"}
MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90

SIX_MONTHS = 15_552_000  # strict-transport-security.js: "a white lie" below 15768000
DANGEROUSLY_BROAD = {"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"}
UNSAFE_INLINE = {"'unsafe-inline'", "data:"}
PASSIVE_DIRECTIVES = ("img-src", "media-src")
NONCES_HASHES = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
HTML_TYPES = {"text/html", "application/xhtml+xml"}


@dataclass
class Grade:
    score: int
    grade: str
    results: dict = field(default_factory=dict)  # test name -> result name

    def __str__(self):
        lines = [f"{self.score} ({self.grade})"]
        lines += [f"  {test}: {result} ({MODIFIERS[result]:+d})" for test, result in self.results.items()]
        return "\n".join(lines)


class Response:
    """What the tests read: the final URL, the status, every header (repeated ones kept) and the body."""

    def __init__(self, url: str, status: int, headers: list[tuple[str, str]], body: bytes = b""):
        self.url, self.status, self.body = url, status, body
        self.headers = [(name.lower(), value) for name, value in headers]

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name.lower()]

    def first(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None

    @property
    def https(self) -> bool:
        return urlsplit(self.url).scheme == "https"

    @classmethod
    def from_django(cls, response, url: str) -> "Response":
        """A Django test-client response (its cookies are kept apart from its other headers)."""
        headers = list(response.items()) + [
            ("Set-Cookie", morsel.OutputString()) for morsel in response.cookies.values()
        ]
        body = b"" if getattr(response, "streaming", False) else response.content
        return cls(url, response.status_code, headers, body)

    @classmethod
    def from_urllib(cls, url: str, status: int, headers, body: bytes) -> "Response":
        """An answer of tests.server.fetch (an http.client.HTTPMessage keeps repeated headers)."""
        return cls(url, status, list(headers.items()), body)


# Content-Security-Policy (csp.js, cspParser.js) --------------------------------------------------

class InvalidPolicy(ValueError):
    pass


def parse_policy(headers: list[str]) -> dict[str, set[str]]:
    """Directive -> sources. Several headers, or several policies in one header separated by commas,
    are merged by union (the Observatory intersects them: the union is never more generous to us)."""
    csp: dict[str, set[str]] = {}
    policies = [p.replace("\r", "").replace("\n", "").strip() for h in headers for p in h.split(",")]
    for policy in policies:
        if len(policy) < len("img-src") - 1:
            raise InvalidPolicy(policy)
        seen = set()
        for entry in policy.split(";"):
            if not entry.strip():
                continue
            directive, *sources = entry.strip().split()
            directive = directive.lower()
            if directive in seen and directive not in {"report-uri", "report-to"}:
                raise InvalidPolicy(f"duplicate directive {directive}")
            seen.add(directive)
            values = {s.strip().lower() for s in sources}
            if not values and directive.endswith("-src"):
                values = {"'none'"}
            csp.setdefault(directive, set()).update(values)
    return csp


def judge_csp(response: Response) -> tuple[str, dict | None]:
    headers = response.all("content-security-policy")
    if not headers:
        if response.all("content-security-policy-report-only"):
            return "csp-not-implemented-but-reporting-enabled", None
        return "csp-not-implemented", None
    try:
        csp = parse_policy(headers)
    except (InvalidPolicy, ValueError):
        return "csp-header-invalid", None
    if not csp:
        return "csp-not-implemented", None

    default = csp.get("default-src")
    object_src = set(csp.get("object-src") or default or {"*"})
    script_src = set(csp.get("script-src") or default or {"*"})
    style_src = set(csp.get("style-src") or default or {"*"})
    for sources in (script_src, style_src):  # a nonce or a hash makes browsers ignore 'unsafe-inline'
        if any(s.startswith(NONCES_HASHES) for s in sources):
            sources.discard("'unsafe-inline'")
    result = None
    if "'strict-dynamic'" in script_src:
        if any(s.startswith(NONCES_HASHES) for s in script_src):
            script_src = {s for s in script_src
                          if not (s.startswith(tuple(DANGEROUSLY_BROAD)) or s in {"'self'", "'unsafe-inline'"})}
        else:
            result = "csp-header-invalid"
    active = [s for d, sources in csp.items() if d not in PASSIVE_DIRECTIVES and d != "script-src" for s in sources]
    active += list(script_src)
    passive = [s for d in PASSIVE_DIRECTIVES for s in (csp.get(d) or default or set())]

    checks = [
        ("csp-implemented-with-unsafe-inline",
         script_src & (DANGEROUSLY_BROAD | UNSAFE_INLINE) or object_src & DANGEROUSLY_BROAD),
        ("csp-implemented-with-insecure-scheme",
         response.https and any(s.startswith(("http:", "ftp:")) for s in active)),
        ("csp-implemented-with-unsafe-eval", "'unsafe-eval'" in script_src | style_src),
        ("csp-implemented-with-insecure-scheme-in-passive-content-only",
         response.https and any(s.startswith(("http:", "ftp:")) for s in passive)),
        ("csp-implemented-with-unsafe-inline-in-style-src-only", style_src & (DANGEROUSLY_BROAD | UNSAFE_INLINE)),
        ("csp-implemented-with-no-unsafe-default-src-none", default == {"'none'"}),
        ("csp-implemented-with-no-unsafe", True),
    ]
    if result is None:
        result = next(name for name, failed in checks if failed)
    return result, csp


# Cookies (cookies.js) -----------------------------------------------------------------------------

@dataclass
class Cookie:
    name: str
    secure: bool
    httponly: bool
    samesite: str | None
    raw: str


def parse_set_cookie(header: str) -> Cookie:
    name = header.split(";", 1)[0].split("=", 1)[0].strip()
    attributes = {}
    for part in header.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        attributes[key.strip().lower()] = value.strip()
    return Cookie(name, "secure" in attributes, "httponly" in attributes, attributes.get("samesite"), header)


COOKIE_BADNESS = [  # worse to the right (cookies.js: goodness, used by onlyIfWorse)
    "cookies-without-secure-flag-but-protected-by-hsts",
    "cookies-without-secure-flag",
    "cookies-session-without-secure-flag-but-protected-by-hsts",
    "cookies-samesite-flag-invalid",
    "cookies-anticsrf-without-samesite-flag",
    "cookies-session-without-httponly-flag",
    "cookies-session-without-secure-flag",
]


def judge_cookies(response: Response, hsts_passes: bool) -> str:
    cookies = [parse_set_cookie(h) for h in response.all("set-cookie")]
    if not cookies:
        return "cookies-not-found"
    found = []
    for cookie in cookies:
        key = cookie.name.lower()
        session = "login" in key or "sess" in key
        anticsrf = "csrf" in key
        samesite = (cookie.samesite or "").lower()
        if cookie.samesite is not None and samesite not in {"lax", "strict", "none"}:
            found.append("cookies-samesite-flag-invalid")
        if not cookie.secure and samesite == "none":
            found.append("cookies-samesite-flag-invalid")
        if not cookie.secure:
            found.append("cookies-without-secure-flag-but-protected-by-hsts" if hsts_passes
                         else "cookies-without-secure-flag")
        if anticsrf and not samesite:
            found.append("cookies-anticsrf-without-samesite-flag")
        if session and not cookie.secure:
            found.append("cookies-session-without-secure-flag-but-protected-by-hsts" if hsts_passes
                         else "cookies-session-without-secure-flag")
        if session and not cookie.httponly:
            found.append("cookies-session-without-httponly-flag")
    if found:
        return max(found, key=COOKIE_BADNESS.index)
    if any(not c.samesite for c in cookies):
        return "cookies-secure-with-httponly-sessions"
    return "cookies-secure-with-httponly-sessions-and-samesite"


# The other header tests ------------------------------------------------------------------------

def judge_cors(response: Response, request_origin: str | None = None) -> str:
    acao = response.first("access-control-allow-origin")
    if not acao:
        return "cross-origin-resource-sharing-not-implemented"
    acao = acao.strip().lower()
    if acao == "*":
        return "cross-origin-resource-sharing-implemented-with-public-access"
    credentials = (response.first("access-control-allow-credentials") or "").strip().lower()
    if request_origin and acao == request_origin.lower() and credentials == "true":
        return "cross-origin-resource-sharing-implemented-with-universal-access"
    return "cross-origin-resource-sharing-implemented-with-restricted-access"


def judge_referrer_policy(response: Response) -> str:
    good = ["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"]
    bad = ["origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade"]
    headers = response.all("referrer-policy")
    if not headers:
        return "referrer-policy-not-implemented"
    valid = [v.strip().lower() for v in ", ".join(headers).split(",") if v.strip().lower() in good + bad]
    policy = valid[-1] if valid else ""
    if policy in good:
        return "referrer-policy-private"
    if policy in bad:
        return "referrer-policy-unsafe"
    return "referrer-policy-header-invalid"


def judge_hsts(response: Response) -> str:
    if not response.https:
        return "hsts-not-implemented-no-https"
    headers = response.all("strict-transport-security")
    if not headers:
        return "hsts-not-implemented"
    header = headers[0][:1024]
    if "," in header:
        return "hsts-header-invalid"
    max_age = None
    for parameter in (p.strip().lower() for p in header.split(";")):
        if parameter.startswith("max-age="):
            try:
                max_age = int(parameter[len("max-age="):].strip('"'))
            except ValueError:
                return "hsts-header-invalid"
    if max_age is None:
        return "hsts-header-invalid"
    if max_age < SIX_MONTHS:
        return "hsts-implemented-max-age-less-than-six-months"
    return "hsts-implemented-max-age-at-least-six-months"


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))


SRI_BADNESS = [
    "sri-implemented-and-all-scripts-loaded-securely",
    "sri-implemented-and-external-scripts-loaded-securely",
    "sri-implemented-but-external-scripts-not-loaded-securely",
    "sri-not-implemented-but-external-scripts-loaded-securely",
    "sri-not-implemented-and-external-scripts-not-loaded-securely",
    "sri-not-implemented-response-not-html",
]


def judge_sri(response: Response) -> str:
    mime = (response.first("content-type") or "").split(";")[0].strip().lower()
    if mime and mime not in HTML_TYPES:
        return "sri-not-implemented-response-not-html"
    parser = _Scripts()
    parser.feed(response.body.decode("utf-8", errors="replace"))
    if not parser.scripts:
        return "sri-not-implemented-but-no-scripts-loaded"
    page_host = urlsplit(response.url).hostname
    result, foreign = None, False
    for script in parser.scripts:
        src = (script.get("src") or "").strip()
        if not src:
            continue
        integrity = script.get("integrity")
        protocol_relative = src.startswith("//") and not src.startswith("///")
        absolute = src.lower().startswith(("http://", "https://"))
        same_origin = not protocol_relative and (not absolute or urlsplit(src).hostname == page_host)
        secure_scheme = (absolute and src.lower().startswith("https://")) or (
            not absolute and not protocol_relative and response.https
        )
        if same_origin:
            if integrity and secure_scheme and result is None:
                result = "sri-implemented-and-all-scripts-loaded-securely"
            continue
        foreign = True
        if integrity and not secure_scheme:
            found = "sri-implemented-but-external-scripts-not-loaded-securely"
        elif not integrity and secure_scheme:
            found = "sri-not-implemented-but-external-scripts-loaded-securely"
        elif not integrity:
            found = "sri-not-implemented-and-external-scripts-not-loaded-securely"
        else:
            continue
        if result is None or SRI_BADNESS.index(found) > SRI_BADNESS.index(result):
            result = found
    if result is None:
        result = ("sri-implemented-and-external-scripts-loaded-securely" if foreign
                  else "sri-not-implemented-but-all-scripts-loaded-from-secure-origin")
    return result


def judge_x_content_type_options(response: Response) -> str:
    header = response.first("x-content-type-options")
    if header is None:
        return "x-content-type-options-not-implemented"
    return "x-content-type-options-nosniff" if header.strip().lower() == "nosniff" else (
        "x-content-type-options-header-invalid")


def judge_x_frame_options(response: Response, csp: dict | None) -> str:
    if csp and csp.get("frame-ancestors"):
        return "x-frame-options-implemented-via-csp"
    header = response.first("x-frame-options")
    if header is None:
        return "x-frame-options-not-implemented"
    value = header.strip().lower()
    if value in {"deny", "sameorigin"}:
        return "x-frame-options-sameorigin-or-deny"
    if value.startswith("allow-from"):
        return "x-frame-options-allow-from-origin"
    return "x-frame-options-header-invalid"


def judge_corp(response: Response) -> str:
    header = response.first("cross-origin-resource-policy")
    if not header:
        return "corp-not-implemented"
    return {
        "same-origin": "corp-implemented-with-same-origin",
        "same-site": "corp-implemented-with-same-site",
        "cross-origin": "corp-implemented-with-cross-origin",
    }.get(header[:256].strip().lower(), "corp-header-invalid")


# The score (scanner/index.js, grader.js) -----------------------------------------------------------

def grade(response: Response, request_origin: str | None = None) -> Grade:
    if not 200 <= response.status < 300:
        raise ValueError(f"the Observatory refuses to grade a {response.status} answer ({response.url})")
    csp_result, csp = judge_csp(response)
    hsts = judge_hsts(response)
    results = {
        "content-security-policy": csp_result,
        "cookies": judge_cookies(response, hsts_passes=hsts == "hsts-implemented-max-age-at-least-six-months"),
        "cross-origin-resource-sharing": judge_cors(response, request_origin),
        "referrer-policy": judge_referrer_policy(response),
        "strict-transport-security": hsts,
        "subresource-integrity": judge_sri(response),
        "x-content-type-options": judge_x_content_type_options(response),
        "x-frame-options": judge_x_frame_options(response, csp),
        "cross-origin-resource-policy": judge_corp(response),
    }
    modifiers = [MODIFIERS[result] for result in results.values()]
    uncurved = 100 + sum(m for m in modifiers if m < 0)
    score = 100 + sum(modifiers) if uncurved >= MINIMUM_SCORE_FOR_EXTRA_CREDIT else uncurved
    score = max(score, 0)
    return Grade(score, GRADES[min(score - score % 5, 100)], results)
