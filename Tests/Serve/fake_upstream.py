#!/usr/bin/env python3
"""A fake OpenAI-compatible model server for the proxy's end-to-end and load tests.

POST /v1/chat/completions answers with the text of the last user message, word by word: as SSE chunks
(with a short pause between them) when the request says "stream": true, else as one chat.completion.
A few texts script failures: "FAIL" answers 500 with an OpenAI error, "HANG" waits 30 s before
answering, and "DROP ..." streams the words after it, then closes the connection mid-stream.
"TIMESTAMPS N" streams N chunks, each "ts=<CLOCK_MONOTONIC ns> ", for latency measurements.
GET /v1/models lists one model. Usage: fake_upstream.py [--port N] [--pause SECONDS]; prints
"listening on PORT" once it listens.
"""
import argparse
import json
import re
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    pause = 0.005

    def log_message(self, *args):
        pass

    def send_json(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/v1/models":
            self.send_json(200, {"object": "list", "data": [{"id": "fake", "object": "model", "owned_by": "tests"}]})
        else:
            self.send_json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error", "code": None}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        request = json.loads(self.rfile.read(length) or b"{}")
        if self.path != "/v1/chat/completions":
            return self.send_json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error", "code": None}})
        text = next((m["content"] for m in reversed(request.get("messages", [])) if m.get("role") == "user"), "")
        if text == "FAIL":
            return self.send_json(500, {"error": {"message": "the model failed", "type": "server_error", "code": "model_failed"}})
        if text == "HANG":
            time.sleep(30)
        timestamps = re.fullmatch(r"TIMESTAMPS (\d+)", text)
        drop = text.startswith("DROP ")
        pieces = re.findall(r"\S+\s*", text[5:] if drop else text)
        envelope = {"id": "chatcmpl-fake", "created": 1, "model": request.get("model", "fake")}
        if not request.get("stream"):
            return self.send_json(200, {**envelope, "object": "chat.completion", "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def send(data):
            record = f"data: {data}\n\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(record), record))
            self.wfile.flush()

        def chunk(delta, finish=None):
            send(json.dumps({**envelope, "object": "chat.completion.chunk",
                             "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}))

        chunk({"role": "assistant", "content": ""})
        count = int(timestamps.group(1)) if timestamps else len(pieces)
        for index in range(count):
            chunk({"content": f"ts={time.monotonic_ns()} " if timestamps else pieces[index]})
            time.sleep(self.pause)
        if drop:
            self.close_connection = True
            return
        chunk({}, "stop")
        send("[DONE]")
        self.wfile.write(b"0\r\n\r\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--pause", type=float, default=0.005, help="seconds between streamed chunks")
    args = parser.parse_args()
    Handler.pause = args.pause
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
