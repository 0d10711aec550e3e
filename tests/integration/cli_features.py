#!/usr/bin/env python3
"""The htpx tool's request-feature options (issue 4) against httpbin and tinyproxy, through its
documented contract only: exit statuses, the --report JSON lines on stderr, stdout.

    run-with-servers.sh --httpbin --proxy -- python3 cli_features.py path/to/htpx

Options covered: -u (Basic), -u --digest (MD5, SHA-256, -Z 2), --bearer, -L, --max-redirects,
-d, -F (fields and a file), -j, --cookie and the jar across URLs, --expect-100, --retries,
--proxy (open, with credentials, refused), HTTP_PROXY / NO_PROXY and --proxy ''.
Exit status 0 when every check passes, 1 otherwise, 77 when the servers are not there (and
HTPX_REQUIRE_SERVERS is not set)."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time

HTPX = sys.argv[1]
HTTPBIN = os.environ.get("HTPX_HTTPBIN_URL", "")
PROXY = os.environ.get("HTPX_PROXY_URL", "")
AUTH_PROXY = os.environ.get("HTPX_PROXY_AUTH_URL", "")
if not HTTPBIN or not PROXY or not AUTH_PROXY:
    print("HTPX_HTTPBIN_URL or HTPX_PROXY_URL not set: run through run-with-servers.sh --httpbin --proxy")
    sys.exit(1 if os.environ.get("HTPX_REQUIRE_SERVERS") else 77)
CREDENTIALS = os.environ["HTPX_PROXY_USER"] + ":" + os.environ["HTPX_PROXY_PASSWORD"]
AUTH_PROXY_WITH_CREDENTIALS = AUTH_PROXY.replace("http://", "http://" + CREDENTIALS + "@")
PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
                   "NO_PROXY", "no_proxy")

failures = []
passes = 0


class Run:
    """One invocation of the tool: exit status, stdout, stderr, the parsed --report lines and
    stdout parsed as JSON when it is. The environment has no proxy variables unless `env` adds
    them."""

    def __init__(self, *args, env=None, timeout=30):
        environment = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
        environment.update(env or {})
        began = time.monotonic()
        p = subprocess.run([HTPX, *args], stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                           env=environment)
        self.seconds = time.monotonic() - began
        self.args = args
        self.env = env or {}
        self.rc = p.returncode
        self.out = p.stdout
        self.err = p.stderr.decode("utf-8", "replace")
        self.reports = [json.loads(line) for line in self.err.splitlines() if line.startswith("{")]
        self.bodies = []
        for line in self.out.decode("utf-8", "replace").splitlines():
            if line.startswith("{"):
                try:
                    self.bodies.append(json.loads(line))
                except ValueError:
                    pass
        if not self.bodies and self.out.startswith(b"{"):
            try:
                self.bodies.append(json.loads(self.out))
            except ValueError:
                pass

    def report(self, i=0):
        return self.reports[i] if i < len(self.reports) else {}

    def body(self, i=0):
        return self.bodies[i] if i < len(self.bodies) else {}

    def describe(self):
        env = " ".join("%s=%s" % kv for kv in self.env.items())
        return "%s htpx %s -> exit %d\n  stdout: %r\n  stderr: %s" % (
            env, " ".join(self.args), self.rc, self.out[:400], self.err[:1200])


def check(name, run, *conditions):
    """Every condition (a (bool, text) pair) must hold."""
    global passes
    wrong = [text for ok, text in conditions if not ok]
    if wrong:
        failures.append(name)
        print("FAIL %s: %s\n  %s" % (name, "; ".join(wrong), run.describe()))
    else:
        passes += 1
        print("ok   %s (%.2f s)" % (name, run.seconds))


def report_is(r, **expected):
    return all(r.get(k) == v for k, v in expected.items())


def logged(log_variable, method, url):
    """How many requests for `url` the proxy logged."""
    with open(os.environ[log_variable], encoding="utf-8", errors="replace") as f:
        return f.read().count("): %s %s HTTP/1.1" % (method, url))


# ---- auth ----------------------------------------------------------------------------------
r = Run("--report", "-u", "user:passwd", HTTPBIN + "/basic-auth/user/passwd")
check("basic-auth", r,
      (r.rc == 0, "exit 0"),
      (report_is(r.report(), status=200, error=None), "report: 200"),
      (r.body() == {"authenticated": True, "user": "user"}, "authenticated"))

r = Run("--report", "-u", "user:wrong", HTTPBIN + "/basic-auth/user/passwd")
check("basic-auth-wrong", r,
      (r.rc == 0, "exit 0: a 401 is a response"),
      (report_is(r.report(), status=401, error=None), "report: 401"))

r = Run("--report", "-f", "-u", "user:wrong", HTTPBIN + "/basic-auth/user/passwd")
check("basic-auth-wrong-fail", r,
      (r.rc == 3, "exit 3"),
      (report_is(r.report(), status=401, error="HTTPStatusError"), "report: HTTPStatusError"))

r = Run("--report", "-u", "user:passwd", HTTPBIN + "/hidden-basic-auth/user/passwd",
        HTTPBIN + "/hidden-basic-auth/user/other")
check("hidden-basic-auth", r,
      (r.rc == 0, "exit 0"),
      ([x.get("status") for x in r.reports] == [200, 404], "200 then 404"))

for algorithm in ("MD5", "SHA-256"):
    url = HTTPBIN + "/digest-auth/auth/user/passwd/" + algorithm
    r = Run("--report", "-u", "user:passwd", "--digest", url, url)
    check("digest-" + algorithm, r,
          (r.rc == 0, "exit 0"),
          ([x.get("status") for x in r.reports] == [200, 200], "both 200"),
          (len(r.bodies) == 2 and all(b.get("authenticated") is True for b in r.bodies), "authenticated twice"),
          (len(r.reports) == 2 and r.reports[0].get("conn") == r.reports[1].get("conn"), "one connection"))

url = HTTPBIN + "/digest-auth/auth/user/passwd/MD5"
r = Run("--report", "-u", "user:wrong", "--digest", url)
check("digest-wrong", r,
      (r.rc == 0, "exit 0"),
      (report_is(r.report(), status=401, error=None), "the second 401 is the response"))

r = Run("--report", "-Z", "2", "-u", "user:passwd", "--digest", url, url, url)
check("digest-parallel", r,
      (r.rc == 0, "exit 0"),
      ([x.get("status") for x in r.reports] == [200, 200, 200], "three 200s, one scheme per request"))

# httpbin's stale_after counter lives in a cookie: the jar across URLs makes it count, and the
# stale nonce is answered again without the caller seeing it.
stale = HTTPBIN + "/digest-auth/auth/user/passwd/SHA-256/1"
r = Run("--report", "-u", "user:passwd", "--digest", stale, stale, stale, HTTPBIN + "/cookies")
cookies = r.body(3).get("cookies", {})
check("digest-stale-cookies", r,
      (r.rc == 0, "exit 0"),
      ([x.get("status") for x in r.reports] == [200, 200, 200, 200], "all 200"),
      (cookies.get("fake") == "fake_value" and "stale_after" in cookies, "httpbin's cookies kept in the jar"))

r = Run("--report", "--bearer", "tok.en-123", HTTPBIN + "/bearer")
check("bearer", r,
      (r.rc == 0, "exit 0"),
      (report_is(r.report(), status=200), "report: 200"),
      (r.body() == {"authenticated": True, "token": "tok.en-123"}, "token echoed"))

r = Run("--report", HTTPBIN + "/bearer")
check("bearer-missing", r, (report_is(r.report(), status=401), "401 without a token"))

r = Run("-u", "user:passwd", "--bearer", "t", HTTPBIN + "/get")
check("auth-usage", r, (r.rc == 1, "exit 1: -u with --bearer"))

# ---- redirects -----------------------------------------------------------------------------
for start in ("/redirect/3", "/relative-redirect/3", "/absolute-redirect/3"):
    r = Run("--report", "-L", HTTPBIN + start)
    check("follow" + start.replace("/", "-"), r,
          (r.rc == 0, "exit 0"),
          (report_is(r.report(), status=200, redirects=3, error=None), "report: 200 after 3 redirects"),
          (r.body().get("url") == HTTPBIN + "/get", "ended at /get"))

r = Run("--report", HTTPBIN + "/redirect/3")
check("no-follow", r,
      (r.rc == 0, "exit 0"),
      (report_is(r.report(), status=302, redirects=0), "the 302 is the response"))

r = Run("--report", "-L", "--max-redirects", "2", HTTPBIN + "/redirect/5")
check("too-many-redirects", r,
      (r.rc == 2, "exit 2"),
      (report_is(r.report(), error="TooManyRedirects", status=None, redirects=2), "report: TooManyRedirects"))

for status, method, body_kept in ((301, "GET", False), (302, "GET", False), (303, "GET", False),
                                  (307, "POST", True), (308, "POST", True)):
    r = Run("--report", "-L", "-d", "a=1", HTTPBIN + "/redirect-to?url=/anything&status_code=%d" % status)
    echo = r.body()
    check("redirect-%d-post" % status, r,
          (r.rc == 0, "exit 0"),
          (report_is(r.report(), status=200, redirects=1, method="POST"), "report: 200, one redirect"),
          (echo.get("method") == method, "method %s" % method),
          (echo.get("form") == ({"a": "1"} if body_kept else {}), "body kept" if body_kept else "body dropped"))

# ---- bodies --------------------------------------------------------------------------------
r = Run("--report", "-d", "name=a b", "-d", "sym=+&=", "-d", "multi=1", "-d", "multi=2", HTTPBIN + "/post")
check("data", r,
      (r.rc == 0, "exit 0"),
      (report_is(r.report(), method="POST", status=200), "POST by default"),
      (r.body().get("form") == {"name": "a b", "sym": "+&=", "multi": ["1", "2"]}, "form decoded"),
      (r.body().get("headers", {}).get("Content-Type") == "application/x-www-form-urlencoded", "content type"))

r = Run("--report", "-X", "PATCH", "-d", "k=v", HTTPBIN + "/patch")
check("data-patch", r,
      (r.rc == 0, "exit 0"),
      (r.body().get("form") == {"k": "v"}, "form echoed"))

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "reading.csv")
    content = "".join("%d,%d\n" % (i, i * i) for i in range(5000))  # ~50 KB, larger than any buffer
    with open(path, "w") as f:
        f.write(content)
    r = Run("--report", "-F", "device=node 7", "-F", "data=@" + path, HTTPBIN + "/post")
    headers = r.body().get("headers", {})
    check("form-multipart", r,
          (r.rc == 0, "exit 0"),
          (r.body().get("form") == {"device": "node 7"}, "text field"),
          (r.body().get("files") == {"data": content}, "file part, every byte"),
          (headers.get("Content-Type", "").startswith("multipart/form-data; boundary="), "content type"),
          ("Content-Length" in headers and "Transfer-Encoding" not in headers, "exact length, not chunked"))
    r = Run("--report", "-F", "data=@" + os.path.join(tmp, "missing"), HTTPBIN + "/post")
    check("form-missing-file", r, (r.rc == 5, "exit 5"), (r.reports == [], "no request made"))

r = Run("--report", "-X", "PUT", "-j", '{"on": true, "level": [1, 2]}', HTTPBIN + "/put")
check("json-text", r,
      (r.rc == 0, "exit 0"),
      (r.body().get("json") == {"on": True, "level": [1, 2]}, "JSON echoed"),
      (r.body().get("headers", {}).get("Content-Type") == "application/json", "content type"))

r = Run("--report", "--expect-100", "-d", "a=1", HTTPBIN + "/anything")
check("expect-100", r,
      (r.rc == 0, "exit 0"),
      (r.body().get("headers", {}).get("Expect") == "100-continue", "Expect sent"),
      (r.body().get("form") == {"a": "1"}, "body sent after gunicorn's 100"),
      (r.report().get("elapsed_ms", 9999) < 900, "released by the 100, not by the 1 s timer"))

# ---- cookies -------------------------------------------------------------------------------
r = Run("--report", "--cookie", "a=1", "--cookie", "b=2", HTTPBIN + "/cookies")
check("cookie", r, (r.body() == {"cookies": {"a": "1", "b": "2"}}, "cookies sent"))

r = Run("--report", HTTPBIN + "/cookies/set?k=v&n=1", HTTPBIN + "/cookies", HTTPBIN + "/cookies/delete?n",
        HTTPBIN + "/cookies")
check("cookie-jar-across-urls", r,
      (r.rc == 0, "exit 0"),
      ([x.get("status") for x in r.reports] == [302, 200, 302, 200], "statuses"),
      (len(r.bodies) == 2 and r.bodies[0] == {"cookies": {"k": "v", "n": "1"}}, "set by URL 1, sent with URL 2"),
      (len(r.bodies) == 2 and r.bodies[1] == {"cookies": {"k": "v"}}, "deleted by URL 3"))

r = Run("--report", "-L", HTTPBIN + "/cookies/set?s=1")
check("cookie-jar-follow", r,
      (report_is(r.report(), status=200, redirects=1), "followed to /cookies"),
      (r.body() == {"cookies": {"s": "1"}}, "sent with the redirected request"))

# ---- retries -------------------------------------------------------------------------------
refusing = socket.socket()  # bound, never listening: connections to it are refused
refusing.bind(("127.0.0.1", 0))
closed_url = "http://127.0.0.1:%d/" % refusing.getsockname()[1]
r = Run("--report", closed_url)
quick = r.report().get("elapsed_ms", 9999)
check("no-retries", r, (report_is(r.report(), error="ConnectError"), "ConnectError"), (quick < 500, "at once"))
r = Run("--report", "--retries", "2", closed_url)
check("retries", r,
      (r.rc == 2, "exit 2"),
      (report_is(r.report(), error="ConnectError", conn=None), "ConnectError in the end"),
      (r.report().get("elapsed_ms", 0) >= 700, "two backoffs waited (0.25-0.5 s, then 0.5-1 s)"))
refusing.close()

# ---- proxies -------------------------------------------------------------------------------
url = HTTPBIN + "/headers?show_env=1&probe=cli-proxy"
r = Run("--report", "--proxy", PROXY, url)
check("proxy", r,
      (r.rc == 0, "exit 0"),
      (report_is(r.report(), status=200, error=None), "report: 200"),
      ("tinyproxy" in r.body().get("headers", {}).get("Via", ""), "Via: tinyproxy"),
      (logged("HTPX_PROXY_LOG", "GET", url) == 1, "the proxy logged the request"))

url = HTTPBIN + "/get?probe=cli-proxy-auth"
r = Run("--report", "--proxy", AUTH_PROXY, url)
check("proxy-auth-required", r,
      (r.rc == 0, "exit 0"),
      (report_is(r.report(), status=407), "407 without credentials"))
r = Run("--report", "-f", "--proxy", AUTH_PROXY, url)
check("proxy-auth-required-fail", r, (r.rc == 3, "exit 3 with -f"))
r = Run("--report", "--proxy", AUTH_PROXY_WITH_CREDENTIALS, url)
check("proxy-auth", r,
      (r.rc == 0, "exit 0"),
      (report_is(r.report(), status=200), "200 with credentials"),
      (r.body().get("url") == url, "httpbin answered"))

url = HTTPBIN + "/headers?probe=cli-tunnel"
r = Run("--report", "--proxytunnel", "--proxy", AUTH_PROXY_WITH_CREDENTIALS, url)
check("proxytunnel", r,
      (r.rc == 0, "exit 0"),
      (report_is(r.report(), status=200, error=None), "report: 200"),
      ("Via" not in r.body().get("headers", {}), "relayed in a tunnel: no Via"))
r = Run("--report", "--proxytunnel", "--proxy", AUTH_PROXY, url)
check("proxytunnel-refused", r,
      (r.rc == 2, "exit 2"),
      (report_is(r.report(), status=None, error="ProxyError"), "ProxyError"))

url = HTTPBIN + "/get?probe=cli-env"
r = Run("--report", url, env={"HTTP_PROXY": AUTH_PROXY_WITH_CREDENTIALS})
check("proxy-env", r,
      (report_is(r.report(), status=200), "200"),
      (logged("HTPX_PROXY_AUTH_LOG", "GET", url) == 1, "through the proxy of HTTP_PROXY"))

url = HTTPBIN + "/get?probe=cli-no-proxy"
r = Run("--report", url, env={"http_proxy": AUTH_PROXY, "NO_PROXY": "127.0.0.1"})
check("no-proxy", r,
      (report_is(r.report(), status=200), "200: straight to httpbin"),
      (logged("HTPX_PROXY_AUTH_LOG", "GET", url) == 0, "the proxy never saw it"))

r = Run("--report", "--proxy", "", url, env={"HTTP_PROXY": AUTH_PROXY})
check("proxy-none", r, (report_is(r.report(), status=200), "--proxy '' ignores HTTP_PROXY"))

r = Run("--report", "-L", "--proxy", PROXY, HTTPBIN + "/redirect/2")
check("proxy-follow", r,
      (report_is(r.report(), status=200, redirects=2), "redirects followed through the proxy"))

r = Run("--proxy", "https://127.0.0.1:1", HTTPBIN + "/get")
check("proxy-usage", r, (r.rc == 1, "exit 1: not an http:// proxy"))

print("%d passed, %d failed" % (passes, len(failures)))
sys.exit(1 if failures else 0)
