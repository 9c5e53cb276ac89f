#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fake_store.py - a misbehaving HTTP object store on 127.0.0.1, for the
agent's upload tests. It keeps PUT bodies in memory and answers HEAD/GET
like a simple store (Content-Length, ETag = MD5; ListObjectsV2 of what it
holds, with prefix, delimiter, max-keys and continuation tokens), unless
the mode says to misbehave:

  ok          behave
  500, 403    answer every PUT with that status
  flaky:N     answer the first N PUTs with 503, then behave
  slow        read the PUT body, then say nothing for a long time
  truncate    announce a 200 reply of 100 bytes, send 5, hang up
  badetag     200 to a PUT, with an ETag that is not the body's MD5
  badlen      behave on PUT, but HEAD reports one byte less
  proxy       forward everything to --upstream PORT, flipping one byte in
              the middle of every PUT body (corruption on the way)
  kms         ETags of 32 hex digits that are not the MD5 (as S3 gives
              with SSE-KMS), and "x-amz-server-side-encryption: aws:kms"
  ssec        the same with the SSE-C headers instead
  opaque-etag ETags of 32 hex digits that are not the MD5, and no header
              that says why (a store whose ETags are its own)
  long-etag   ETags that are not 32 hex digits (64: a SHA-256)
  get-html    answer every GET of an object 200 with a web page (a portal
              or a misrouted request), not the object
  get-cut     answer every GET of an object 200 with its length, send half
              of it, hang up

With --sigv4-secret S every request must carry an AWS SigV4 signature that
this server recomputes with secret S (canonical request, string to sign,
derived key, all from the AWS SigV4 description), using the request's
x-amz-content-sha256 as payload hash; a PUT whose body does not hash to that
value is refused. Mismatches get 403 SignatureDoesNotMatch.

With --region R a request signed for another region is refused as S3
does: 400 AuthorizationHeaderMalformed naming the region it wants.

With --session-token-file F every request must carry the token in F (read
at each request) as x-amz-security-token; any other gets 400 ExpiredToken,
as S3 answers an expired session.  --on-expired-rename SRC:DST then also
renames SRC to DST (if SRC exists) before answering: a credentials
refresher that rewrites the file just as the old token expires.

With --tls-cert CERT --tls-key KEY it speaks HTTPS (python's ssl module),
for the TLS verification tests.

Writes its port to --port-file when listening; appends one line per request
("METHOD path status") to --log. Bearer token checked with --token.
"""
import argparse
import hashlib
import hmac
import os
import re
import urllib.parse
import http.client
import http.server
import socketserver
import sys
import threading
import time

args = None
objects = {}
lock = threading.Lock()
puts = 0


def log(line):
    if args.log:
        with open(args.log, "a") as f:
            f.write(line + "\n")


def etag_of(data):
    """The ETag this store gives an object (--mode)."""
    if args.mode in ("kms", "ssec", "opaque-etag"):
        return hashlib.sha256(data).hexdigest()[:32]
    if args.mode == "long-etag":
        return hashlib.sha256(data).hexdigest()
    return hashlib.md5(data).hexdigest()


def sse_headers():
    if args.mode == "kms":
        return {"x-amz-server-side-encryption": "aws:kms",
                "x-amz-server-side-encryption-aws-kms-key-id":
                    "arn:aws:kms:eu-north-1:000000000000:key/fake"}
    if args.mode == "ssec":
        return {"x-amz-server-side-encryption-customer-algorithm": "AES256",
                "x-amz-server-side-encryption-customer-key-MD5":
                    "ZmFrZWtleW1kNWZha2VrZQ=="}
    return {}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        log("%s %s %d" % (self.command, self.path, status))

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        data = b""
        while len(data) < n:
            chunk = self.rfile.read(n - len(data))
            if not chunk:
                break
            data += chunk
        return data

    def sigv4_ok(self):
        auth = self.headers.get("Authorization", "")
        m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request, "
                     r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$", auth)
        if not m:
            return False
        _, date, region, signed, sig = m.groups()
        names = signed.split(";")
        if "host" not in names or "x-amz-content-sha256" not in names:
            return False
        path, _, query = self.path.partition("?")
        canon_headers = "".join(
            "%s:%s\n" % (n, " ".join(self.headers.get(n, "").split())) for n in names)
        payload = self.headers.get("x-amz-content-sha256", "")
        creq = "\n".join([self.command, path, query, canon_headers, signed, payload])
        amzdate = self.headers.get("x-amz-date", "")
        scope = "%s/%s/s3/aws4_request" % (date, region)
        sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope,
                         hashlib.sha256(creq.encode()).hexdigest()])
        key = ("AWS4" + args.sigv4_secret).encode()
        for part in (date, region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        want = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(want, sig)

    def authorized(self):
        if args.sigv4_secret and not self.sigv4_ok():
            self.reply(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
            return False
        if args.region:
            m = re.search(r"Credential=[^/]*/\d{8}/([^/]*)/",
                          self.headers.get("Authorization", ""))
            got = m.group(1) if m else ""
            if got != args.region:
                self.reply(400, ("<Error><Code>AuthorizationHeaderMalformed</Code>"
                                 "<Message>the region '%s' is wrong; expecting '%s'"
                                 "</Message><Region>%s</Region></Error>"
                                 % (got, args.region, args.region)).encode())
                return False
        if args.session_token_file:
            with open(args.session_token_file) as f:
                want = f.read().strip()
            if self.headers.get("x-amz-security-token") != want:
                if args.on_expired_rename:
                    src, dst = args.on_expired_rename.split(":", 1)
                    if os.path.exists(src):
                        os.rename(src, dst)
                self.reply(400, b"<Error><Code>ExpiredToken</Code><Message>The "
                           b"provided token has expired.</Message></Error>")
                return False
        if args.token and self.headers.get("Authorization") != "Bearer " + args.token:
            self.reply(401, b"bad token")
            return False
        return True

    def proxy(self):
        data = self.body() if self.command == "PUT" else None
        if data:
            mid = len(data) // 2
            data = data[:mid] + bytes([data[mid] ^ 0x01]) + data[mid + 1:]
        conn = http.client.HTTPConnection("127.0.0.1", args.upstream, timeout=30)
        hdrs = {k: v for k, v in self.headers.items()
                if k.lower() not in ("host", "connection")}
        hdrs["Host"] = "127.0.0.1:%d" % args.upstream
        conn.request(self.command, self.path, body=data, headers=hdrs)
        r = conn.getresponse()
        rbody = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(rbody)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(rbody)
        log("%s %s %d proxied" % (self.command, self.path, r.status))

    def do_PUT(self):
        global puts
        if args.mode == "proxy":
            return self.proxy()
        data = self.body()
        if not self.authorized():
            return
        with lock:
            puts += 1
            n = puts
        mode = args.mode
        if mode in ("500", "403"):
            return self.reply(int(mode), b"<Error><Code>Injected</Code></Error>")
        if mode.startswith("flaky:") and n <= int(mode.split(":")[1]):
            return self.reply(503, b"<Error><Code>SlowDown</Code></Error>")
        if mode == "slow":
            log("PUT %s slow" % self.path)
            time.sleep(120)
            return
        if mode == "truncate":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")
            self.wfile.flush()
            log("PUT %s truncated" % self.path)
            self.close_connection = True
            return
        want = self.headers.get("x-amz-content-sha256")
        if want and want != hashlib.sha256(data).hexdigest():
            return self.reply(400, b"<Error><Code>XAmzContentSHA256Mismatch</Code></Error>")
        with lock:
            objects[self.path] = data
        etag = etag_of(data) if mode != "badetag" else "0" * 32
        self.reply(200, b"", dict({"ETag": '"%s"' % etag}, **sse_headers()))

    def do_HEAD(self):
        if args.mode == "proxy":
            return self.proxy()
        if not self.authorized():
            return
        if self.path.endswith("/"):
            return self.reply(200)
        with lock:
            data = objects.get(self.path)
        if data is None:
            return self.reply(404)
        length = len(data) - (1 if args.mode == "badlen" else 0)
        self.send_response(200)
        self.send_header("Content-Length", str(length))
        self.send_header("ETag", '"%s"' % etag_of(data))
        for k, v in sse_headers().items():
            self.send_header(k, v)
        self.end_headers()
        log("HEAD %s 200" % self.path)

    def do_GET(self):
        if args.mode == "proxy":
            return self.proxy()
        path, _, query = self.path.partition("?")
        if "list-type=2" in query.split("&"):
            # ListObjectsV2 of the bucket (the agent's startup check, fetch)
            if not self.authorized():
                return
            bucket = path.strip("/").split("/")[0]
            return self.reply(200, listing(bucket, query))
        with lock:
            data = objects.get(self.path)
        if data is None:
            return self.reply(404)
        if args.mode == "get-html":
            return self.reply(200, b"<!DOCTYPE html><html><head><title>Sign in"
                              b"</title></head><body>Please sign in</body></html>",
                              {"Content-Type": "text/html"})
        if args.mode == "get-cut":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n"
                             % len(data) + data[:len(data) // 2])
            self.wfile.flush()
            log("GET %s cut" % self.path)
            self.close_connection = True
            return
        self.reply(200, data, {"ETag": '"%s"' % etag_of(data)})


def listing(bucket, query):
    """A ListObjectsV2 reply for what the store holds in @bucket."""
    q = urllib.parse.parse_qs(query, keep_blank_values=True)
    prefix = q.get("prefix", [""])[0]
    delim = q.get("delimiter", [""])[0]
    max_keys = int(q.get("max-keys", ["1000"])[0])
    after = q.get("continuation-token", [""])[0]
    base = "/%s/" % bucket
    with lock:
        keys = sorted((k[len(base):], v) for k, v in objects.items()
                      if k.startswith(base))
    entries = []
    for key, data in keys:
        if not key.startswith(prefix):
            continue
        rest = key[len(prefix):]
        if delim and delim in rest:
            entry = ("CommonPrefixes", prefix + rest.split(delim)[0] + delim, None)
        else:
            entry = ("Contents", key, data)
        if entry[1] > after and all(e[1] != entry[1] for e in entries):
            entries.append(entry)
    page, more = entries[:max_keys], 0 < max_keys < len(entries)
    xml = "<ListBucketResult><Name>%s</Name><KeyCount>%d</KeyCount>" % (bucket, len(page))
    xml += "<IsTruncated>%s</IsTruncated>" % ("true" if more else "false")
    if more:
        xml += "<NextContinuationToken>%s</NextContinuationToken>" % page[-1][1]
    for kind, name, data in page:
        if kind == "Contents":
            xml += ("<Contents><Key>%s</Key><Size>%d</Size><ETag>&quot;%s&quot;"
                    "</ETag></Contents>" % (name, len(data), etag_of(data)))
        else:
            xml += "<CommonPrefixes><Prefix>%s</Prefix></CommonPrefixes>" % name
    return (xml + "</ListBucketResult>").encode()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--mode", default="ok")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--log")
    p.add_argument("--token")
    p.add_argument("--upstream", type=int)
    p.add_argument("--sigv4-secret")
    p.add_argument("--region")
    p.add_argument("--session-token-file")
    p.add_argument("--on-expired-rename")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    args = p.parse_args()
    srv = Server(("127.0.0.1", args.port), Handler)
    if args.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        import os
        os.rename(args.port_file + ".tmp", args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
