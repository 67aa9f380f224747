# Sends POST requests the way Python programs do, for test/datasets/refusals.test.ts.
# stdin: {"url": ..., "headers": {...}, "body": "<file path>", "runs": n}
# stdout: one JSON object per request: {"client", "mode", "status", "body"} or {"client", "mode", "error"}
import http.client
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

spec = json.load(sys.stdin)
url = urllib.parse.urlsplit(spec["url"])
with open(spec["body"], "rb") as f:
    body = f.read()


def pieces():
    for i in range(0, len(body), 64 * 1024):
        yield body[i:i + 64 * 1024]


def with_http_client(chunked):
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        if chunked:
            conn.request("POST", url.path, body=pieces(), headers=spec["headers"], encode_chunked=True)
        else:
            conn.request("POST", url.path, body=body, headers=spec["headers"])
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def with_urllib(chunked):
    # An iterable body without Content-Length is sent chunked by urllib.
    request = urllib.request.Request(spec["url"], data=pieces() if chunked else body, headers=spec["headers"], method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


for run in range(spec["runs"]):
    for client, send in (("http.client", with_http_client), ("urllib", with_urllib)):
        for mode in ("content-length", "chunked"):
            result = {"client": client, "mode": mode}
            try:
                status, data = send(mode == "chunked")
                result.update(status=status, body=data.decode("utf-8", "replace"))
            except Exception as error:  # the failure is the test's finding: report it
                result.update(error=f"{type(error).__name__}: {error}")
            print(json.dumps(result), flush=True)
