#!/usr/bin/env python3
"""Asks `contentfilter-serve` for one chat completion with the official `openai` Python client, as a
chat server's users would, and prints what the client received as one JSON object:
{"content": ..., "finish_reason": ..., "chunks": N} (chunks: streamed chunks read, 0 for a whole answer),
or {"error": {"status": ..., "code": ..., "message": ...}} when the client raised an API error.

Usage: openai_client.py BASE_URL stream|whole TEXT [HEADER=VALUE...]
"""
import json
import sys

import openai


def main():
    base_url, mode, text = sys.argv[1:4]
    headers = dict(argument.split("=", 1) for argument in sys.argv[4:])
    client = openai.OpenAI(api_key="test", base_url=base_url, max_retries=0, default_headers=headers)
    messages = [{"role": "user", "content": text}]
    try:
        if mode == "stream":
            content, finish, chunks = "", None, 0
            for chunk in client.chat.completions.create(model="fake", messages=messages, stream=True):
                chunks += 1
                for choice in chunk.choices:
                    content += choice.delta.content or ""
                    finish = choice.finish_reason or finish
            result = {"content": content, "finish_reason": finish, "chunks": chunks}
        else:
            answer = client.chat.completions.create(model="fake", messages=messages)
            result = {"content": answer.choices[0].message.content, "finish_reason": answer.choices[0].finish_reason, "chunks": 0}
    except openai.APIStatusError as error:
        body = error.body if isinstance(error.body, dict) else {}
        body = body.get("error", body) if isinstance(body.get("error"), dict) else body
        result = {"error": {"status": error.status_code, "code": body.get("code"), "message": body.get("message")}}
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
