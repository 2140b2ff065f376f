#!/usr/bin/env python3
"""Reads `contentfilter filter --format sse` output with the official `openai` Python client, as a chat
server's users would, and checks what the client sees.

Usage: Tests/OpenAIClientCheck/check.py CONTENTFILTER_BINARY RULES_DIR STREAM.sse...
Each stream is filtered by the binary; the output is served to the client through an in-memory HTTP
transport. Prints one line per stream and `N passed, M failed`; exits 1 if any check failed.
"""
import subprocess
import sys

import httpx
import openai


def client_for(body):
    def handler(request):
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    return openai.OpenAI(api_key="test", base_url="http://filter.test/v1", http_client=httpx.Client(transport=httpx.MockTransport(handler)))


def read_chat(body):
    """Content and finish reason per choice, as the client assembles them."""
    content, finish = {}, {}
    stream = client_for(body).chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], stream=True)
    for chunk in stream:
        for choice in chunk.choices:
            content[choice.index] = content.get(choice.index, "") + (choice.delta.content or "")
            if choice.finish_reason:
                finish[choice.index] = choice.finish_reason
    return content, finish


def read_responses(body):
    """Concatenated output-text deltas and the final response's text."""
    deltas, final = "", None
    with client_for(body).responses.create(model="m", input="hi", stream=True) as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                deltas += event.delta
            elif event.type in ("response.completed", "response.incomplete"):
                final = event.response.output_text
    return deltas, final


def main():
    binary, rules, streams = sys.argv[1], sys.argv[2], sys.argv[3:]
    passed = failed = 0
    for path in streams:
        with open(path, "rb") as file:
            raw = file.read()
        result = subprocess.run([binary, "filter", "--format", "sse", "--rules", rules, "--lang", "en"], input=raw, capture_output=True)
        problems = []
        if result.returncode not in (0, 1):
            problems.append(f"exit status {result.returncode}: {result.stderr.decode()}")
        elif b"response." in raw[:200]:
            deltas, final = read_responses(result.stdout)
            if not deltas.startswith("[AI-generated]"):
                problems.append(f"no disclosure first: {deltas[:60]!r}")
            if final != deltas:
                problems.append(f"final text {final!r} differs from the deltas {deltas!r}")
        else:
            content, finish = read_chat(result.stdout)
            if not content:
                problems.append("no choices")
            for index, text in content.items():
                if text and not text.startswith("[AI-generated]"):
                    problems.append(f"choice {index}: no disclosure first: {text[:60]!r}")
                if index not in finish:
                    problems.append(f"choice {index}: no finish reason")
            if result.returncode == 1 and "content_filter" not in finish.values():
                problems.append("blocked, but no choice finished with content_filter")
        for secret in ("13800138000", "forge a passport", "博彩网站"):
            if secret in result.stdout.decode():
                problems.append(f"{secret!r} reached the client")
        if problems:
            failed += 1
            print(f"FAIL {path}: " + "; ".join(problems))
        else:
            passed += 1
            print(f"ok   {path}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
