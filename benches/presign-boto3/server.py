"""The Python reference for the presign benchmark (`cargo xtask bench`):
boto3's `generate_presigned_url` behind the standard library's threading
HTTP server, answering `GET /presign/<key>?method=GET|PUT&contentLength=N`
as Vidrop's /presign does, for the same store and bucket.

Environment: S3_ENDPOINT, S3_BUCKET, S3_REGION, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY. Prints `listening on <port>` once it listens on
127.0.0.1 (a port of the system's choosing).
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
from botocore.config import Config

client = boto3.client(
    "s3",
    endpoint_url=os.environ["S3_ENDPOINT"],
    region_name=os.environ["S3_REGION"],
    aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
    aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
)
BUCKET = os.environ["S3_BUCKET"]


class Presign(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        url = urlsplit(self.path)
        if not url.path.startswith("/presign/"):
            self.send_error(404)
            return
        key = unquote(url.path[len("/presign/"):])
        query = parse_qs(url.query)
        method = query.get("method", ["GET"])[0]
        params = {"Bucket": BUCKET, "Key": key}
        if method == "PUT":
            params["ContentLength"] = int(query["contentLength"][0])
            operation = "put_object"
        else:
            operation = "get_object"
        signed = client.generate_presigned_url(operation, Params=params, ExpiresIn=3600)
        body = json.dumps({"URL": signed, "Method": method}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # wrk drops its connections when its time is up, mid-request: not a
        # failure of this server, and a traceback each in the benchmark's log.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


server = Server(("127.0.0.1", 0), Presign)
print(f"listening on {server.server_address[1]}", flush=True)
server.serve_forever()
