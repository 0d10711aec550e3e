#!/usr/bin/env bash
# Quick self-contained check of the htpx tool against python's http.server on 127.0.0.1 (a random
# port): bodies (-j, -d, -F, --content), --report lines, keep-alive reuse, -Z, timeouts, auth
# (-u, --bearer), -L and --max-redirects, cookies (--cookie and the jar across URLs),
# --expect-100, --retries, --proxy (the server plays the proxy), exit codes, "not supported yet"
# (HTTP/2), TLS option combinations (the TLS servers are in tests/integration/cli_tls.py).
# usage: selftest.sh path/to/htpx [python3]
set -u
HTPX=${1:?usage: selftest.sh path/to/htpx [python3]}
PY=${2:-python3}
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---- the server: files from $WORK/www, /echo, /status/N, /slow?ms=N, /redirect?to=URL&code=N,
# /setcookie?name=value; HTTP/1.1 keep-alive (and Expect: 100-continue, as http.server does) ----
mkdir -p "$WORK/www"
printf 'hello\n' >"$WORK/www/hello.txt"
head -c 200000 /dev/urandom >"$WORK/www/rand.bin"
cat >"$WORK/server.py" <<'EOF'
import hashlib, http.server, json, os, socket, socketserver, sys, time, urllib.parse

class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *args): pass
    def send_body(self, code, body, ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""): pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))
    def route(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path.startswith("/status/"):
            self.read_body()
            self.send_body(int(url.path[8:]), b"status body\n")
        elif url.path == "/slow":
            time.sleep(int(query.get("ms", ["1000"])[0]) / 1000)
            self.send_body(200, b"slow\n")
        elif url.path == "/redirect":
            self.read_body()
            self.send_response(int(query.get("code", ["302"])[0]))
            self.send_header("Location", query["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif url.path == "/setcookie":
            self.send_response(200)
            for name, values in query.items():
                self.send_header("Set-Cookie", "%s=%s; Path=/" % (name, values[0]))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif url.path == "/echo":
            body = self.read_body()
            info = {"method": self.command, "query": url.query, "len": len(body),
                    "sha256": hashlib.sha256(body).hexdigest(), "body": body[:4096].decode("latin-1"),
                    "te": self.headers.get("Transfer-Encoding"), "cl": self.headers.get("Content-Length"),
                    "ct": self.headers.get("Content-Type"), "x": self.headers.get("X-Test"),
                    "auth": self.headers.get("Authorization"), "cookie": self.headers.get("Cookie"),
                    "expect": self.headers.get("Expect"), "target": self.path,
                    "proxy_auth": self.headers.get("Proxy-Authorization")}
            self.send_body(200, (json.dumps(info) + "\n").encode(), "application/json")
        else:
            return False
        return True
    def do_GET(self):
        if not self.route(): super().do_GET()
    def do_POST(self):
        if not self.route(): self.send_body(404, b"no route\n")
    do_PUT = do_DELETE = do_PATCH = do_POST

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    def handle_error(self, request, client_address): pass  # e.g. /slow answering a timed-out client

os.chdir(sys.argv[1])
server = Server(("127.0.0.1", 0), Handler)
unused = socket.socket()
unused.bind(("127.0.0.1", 0))
closed_port = unused.getsockname()[1]
unused.close()  # nothing listens there: connections are refused
with open(sys.argv[2], "w") as f:
    f.write("%d %d\n" % (server.server_address[1], closed_port))
server.serve_forever()
EOF
"$PY" "$WORK/server.py" "$WORK/www" "$WORK/ports.tmp" &
SERVER_PID=$!
for _ in $(seq 50); do
  [ -s "$WORK/ports.tmp" ] && break
  sleep 0.1
done
read -r PORT CLOSED_PORT <"$WORK/ports.tmp" || { echo "FAIL: server did not start"; exit 1; }
U="http://127.0.0.1:$PORT"

# ---- helpers -------------------------------------------------------------------------------------
FAILURES=0
OUT="$WORK/out"
ERR="$WORK/err"
run() {  # run ARGS...: runs htpx with stdin from /dev/null; sets RC, OUT, ERR
  "$HTPX" "$@" >"$OUT" 2>"$ERR" </dev/null
  RC=$?
}
fail() {
  echo "FAIL: $1"
  echo "  stdout: $(head -c 400 "$OUT")"
  echo "  stderr: $(head -c 800 "$ERR")"
  FAILURES=$((FAILURES + 1))
}
expect_rc() {  # expect_rc NAME CODE
  [ "$RC" -eq "$2" ] || fail "$1: exit status $RC, expected $2"
}
# expect_py NAME EXPR: EXPR over r (the --report lines of stderr, parsed), out (stdout, text) and
# j (stdout parsed as JSON lines) must be true.
expect_py() {
  "$PY" - "$OUT" "$ERR" "$2" <<'EOF' || fail "$1: $2"
import json, sys
out = open(sys.argv[1], encoding="latin-1").read()
r = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")]
j = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
sys.exit(0 if eval(sys.argv[3]) else 1)
EOF
}

# ---- checks --------------------------------------------------------------------------------------
run --help
expect_rc help 0
expect_py help '"usage: htpx" in out and "Exit status" in out'

run --report "$U/hello.txt"
expect_rc get 0
expect_py get 'out == "hello\n" and len(r) == 1 and r[0]["status"] == 200 and r[0]["http_version"] == "HTTP/1.1" and r[0]["error"] is None and r[0]["bytes"] == 6 and r[0]["method"] == "GET" and r[0]["url"].endswith("/hello.txt") and r[0]["conn"] == 1 and r[0]["elapsed_ms"] >= 0'

run --report "$U/hello.txt" "$U/status/404" "$U/hello.txt"
expect_rc keep-alive 0
expect_py keep-alive 'len(r) == 3 and r[0]["conn"] == r[1]["conn"] == r[2]["conn"] and r[1]["status"] == 404 and r[1]["error"] is None and out == "hello\nstatus body\nhello\n"'

run -f --report "$U/status/404"
expect_rc fail-4xx 3
expect_py fail-4xx 'r[0]["status"] == 404 and r[0]["error"] == "HTTPStatusError" and out == ""'

run -f --report "$U/hello.txt" "$U/status/503"
expect_rc fail-5xx 3
expect_py fail-5xx 'r[0]["error"] is None and r[1]["error"] == "HTTPStatusError" and r[1]["status"] == 503'

run --report -j '{"a": [1, 2]}' "$U/echo"
expect_rc json 0
expect_py json 'j[0]["method"] == "POST" and j[0]["ct"] == "application/json" and j[0]["body"] == "{\"a\": [1, 2]}" and j[0]["cl"] == "13"'

run -X PUT -H 'X-Test:  yes' -p 'q=a b' -p 'k=/é' "$U/echo?z=1"
expect_rc headers-params 0
expect_py headers-params 'j[0]["method"] == "PUT" and j[0]["x"] == "yes" and j[0]["query"] == "z=1&q=a%20b&k=%2F%C3%A9" and j[0]["cl"] == "0"'

run DELETE "$U/echo"
expect_rc positional-method 0
expect_py positional-method 'j[0]["method"] == "DELETE"'

SHA=$("$PY" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$WORK/www/rand.bin")
run --content "@$WORK/www/rand.bin" "$U/echo"
expect_rc content-file 0
expect_py content-file "j[0]['method'] == 'POST' and j[0]['cl'] == '200000' and j[0]['te'] is None and j[0]['sha256'] == '$SHA'"

"$HTPX" --content @- "$U/echo" <"$WORK/www/rand.bin" >"$OUT" 2>"$ERR"
RC=$?
expect_rc content-stdin 0
expect_py content-stdin "j[0]['te'] == 'chunked' and j[0]['cl'] is None and j[0]['len'] == 200000 and j[0]['sha256'] == '$SHA'"

run --content 'raw text' -i "$U/echo"
expect_rc include 0
expect_py include 'out.startswith("HTTP/1.1 200 OK\n") and "\n\n{" in out and "raw text" in out'

run --report -o "$WORK/saved.bin" "$U/rand.bin"
expect_rc output 0
cmp -s "$WORK/saved.bin" "$WORK/www/rand.bin" || fail "output: -o file differs from the served file"
expect_py output 'out == "" and r[0]["bytes"] == 200000'

run --report -Z 3 "$U/slow?ms=300" "$U/echo?n=2" "$U/echo?n=3"
expect_rc parallel 0
expect_py parallel 'len(r) == 3 and len({x["conn"] for x in r}) == 3 and out.startswith("slow\n") and [x["query"] for x in j] == ["n=2", "n=3"]'

run --report --read-timeout 0.2 "$U/slow?ms=2000"
expect_rc read-timeout 2
expect_py read-timeout 'r[0]["error"] == "ReadTimeout" and r[0]["status"] is None and r[0]["detail"] != ""'

run --report "http://127.0.0.1:$CLOSED_PORT/"
expect_rc connect-refused 2
expect_py connect-refused 'r[0]["error"] == "ConnectError" and r[0]["conn"] is None and r[0]["status"] is None and r[0]["http_version"] is None and r[0]["bytes"] == 0'

run --report notaurl "$U/hello.txt"
expect_rc invalid-url 2
expect_py invalid-url 'r[0]["error"] == "InvalidURL" and r[1]["error"] is None and out == "hello\n"'

# https:// to this plain-HTTP server: the handshake fails (ConnectError, "handshake failed ..."),
# or UnsupportedProtocol in a build without mbedTLS. Either way no request is sent.
run --report "https://127.0.0.1:$PORT/"
expect_rc https 2
expect_py https 'r[0]["error"] in ("ConnectError", "UnsupportedProtocol") and r[0]["conn"] is None and r[0]["status"] is None'

# ---- request features (issue 4) -----------------------------------------------------------------
run --report -u 'user:pa:ss' "$U/echo"
expect_rc basic-auth 0
expect_py basic-auth 'j[0]["auth"] == "Basic dXNlcjpwYTpzcw==" and r[0]["status"] == 200'

run --bearer 'tok.123' "$U/echo"
expect_rc bearer 0
expect_py bearer 'j[0]["auth"] == "Bearer tok.123"'

run --report -L -d 'a=1' "$U/redirect?to=/echo%3Fafter%3D1&code=307"
expect_rc follow-307 0
expect_py follow-307 'r[0]["redirects"] == 1 and r[0]["status"] == 200 and j[0]["method"] == "POST" and j[0]["query"] == "after=1" and j[0]["body"] == "a=1"'

run --report -L -d 'a=1' "$U/redirect?to=/echo&code=303"
expect_rc follow-303 0
expect_py follow-303 'r[0]["redirects"] == 1 and j[0]["method"] == "GET" and j[0]["len"] == 0'

run --report "$U/redirect?to=/echo&code=302"
expect_rc no-follow 0
expect_py no-follow 'r[0]["status"] == 302 and r[0]["redirects"] == 0 and out == ""'

run --report -L --max-redirects 1 "$U/redirect?to=/redirect%3Fto%3D/echo&code=302"
expect_rc max-redirects 2
expect_py max-redirects 'r[0]["error"] == "TooManyRedirects" and r[0]["redirects"] == 1'

run --report -d 'name=a b' -d 'sym=+&=' -d 'utf=é' "$U/echo"
expect_rc data 0
expect_py data 'j[0]["method"] == "POST" and j[0]["ct"] == "application/x-www-form-urlencoded" and j[0]["body"] == "name=a+b&sym=%2B%26%3D&utf=%C3%A9" and j[0]["cl"] == str(len(j[0]["body"]))'

run -X PUT -d 'k=v' "$U/echo"
expect_rc data-put 0
expect_py data-put 'j[0]["method"] == "PUT" and j[0]["body"] == "k=v"'

printf 'file part\n' >"$WORK/part.txt"
run --report -F 'field=some value' -F "up=@$WORK/part.txt" "$U/echo"
expect_rc form 0
expect_py form 'j[0]["ct"].startswith("multipart/form-data; boundary=") and "name=\"field\"\r\n\r\nsome value\r\n" in j[0]["body"] and "name=\"up\"; filename=\"part.txt\"\r\nContent-Type: application/octet-stream\r\n\r\nfile part\n\r\n" in j[0]["body"] and j[0]["cl"] == str(j[0]["len"]) and j[0]["te"] is None'

run -F "up=@$WORK/missing" "$U/echo"
expect_rc form-missing-file 5

run --cookie a=1 --cookie b=2 "$U/echo"
expect_rc cookie 0
expect_py cookie 'j[0]["cookie"] == "a=1; b=2"'

run --report "$U/setcookie?jar=kept" --cookie x=y "$U/echo"
expect_rc cookie-jar 0
expect_py cookie-jar 'len(r) == 2 and j[0]["cookie"] == "jar=kept; x=y"'

run --report --expect-100 -d a=1 "$U/echo"
expect_rc expect-100 0
expect_py expect-100 'j[0]["expect"] == "100-continue" and j[0]["body"] == "a=1" and r[0]["elapsed_ms"] < 900'

run --report --retries 2 "http://127.0.0.1:$CLOSED_PORT/"
expect_rc retries 2
expect_py retries 'r[0]["error"] == "ConnectError" and r[0]["elapsed_ms"] >= 700'

run --report --proxy "http://u:p@127.0.0.1:$PORT" "http://127.0.0.2:9/echo?q=1"
expect_rc proxy 0
expect_py proxy 'j[0]["target"] == "http://127.0.0.2:9/echo?q=1" and j[0]["proxy_auth"] == "Basic dTpw" and r[0]["status"] == 200'

HTTP_PROXY="http://127.0.0.1:$PORT" "$HTPX" "http://127.0.0.2:9/echo" >"$OUT" 2>"$ERR" </dev/null
RC=$?
expect_rc proxy-env 0
expect_py proxy-env 'j[0]["target"] == "http://127.0.0.2:9/echo"'

HTTP_PROXY="http://127.0.0.1:$CLOSED_PORT" NO_PROXY=127.0.0.1 "$HTPX" "$U/echo" >"$OUT" 2>"$ERR" </dev/null
RC=$?
expect_rc no-proxy 0
expect_py no-proxy 'j[0]["target"] == "/echo"'

HTTP_PROXY="http://127.0.0.1:$CLOSED_PORT" "$HTPX" --proxy '' "$U/echo" >"$OUT" 2>"$ERR" </dev/null
RC=$?
expect_rc proxy-none 0
expect_py proxy-none 'j[0]["target"] == "/echo"'

for opt in "--http2" "--http2-prior-knowledge"; do
  # shellcheck disable=SC2086  # split an option from its value
  run $opt "$U/hello.txt"
  expect_rc "unsupported $opt" 4
  grep -q -- "${opt%% *}.*not supported yet" "$ERR" || fail "unsupported $opt: message does not name the option"
  [ -s "$OUT" ] && fail "unsupported $opt: a request was made"
done

for bad in "-u nocolon" "--digest" "-u u:p --bearer t" "-d a=1 -j {}" "-d a=1 -F b=2" "-d noequals" "-F =x" \
           "--max-redirects 256" "--retries -1" "--proxy https://127.0.0.1:1" "--cookie a;b=1" "--bearer="; do
  # shellcheck disable=SC2086
  run $bad "$U/hello.txt"
  expect_rc "usage $bad" 1
done

# TLS options used wrongly: a usage error (1) in a TLS build; in a build without mbedTLS every TLS
# option is refused first (4). `htpx -k` alone tells the builds apart (no URL: 1, no TLS: 4).
"$HTPX" -k >/dev/null 2>&1 </dev/null
if [ $? -eq 4 ]; then TLS_USAGE=4; else TLS_USAGE=1; fi
for bad in "--cert c.pem" "--key k.pem" "-k --cacert ca.pem" "--cacert="; do
  # shellcheck disable=SC2086
  run $bad "$U/hello.txt"
  expect_rc "tls usage $bad" "$TLS_USAGE"
  [ -s "$OUT" ] && fail "tls usage $bad: a request was made"
done

run
expect_rc no-url 1
run --no-such-option "$U/hello.txt"
expect_rc unknown-option 1
run -Z 0 "$U/hello.txt"
expect_rc bad-parallel 1
run --content @- "$U/echo" "$U/echo"
expect_rc stdin-twice 1
run --content "@$WORK/missing" "$U/echo"
expect_rc missing-file 5

if [ "$FAILURES" -ne 0 ]; then
  echo "cli-selftest: $FAILURES failure(s)"
  exit 1
fi
echo "cli-selftest: all checks passed"
