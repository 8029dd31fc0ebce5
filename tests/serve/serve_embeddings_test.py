#!/usr/bin/env python3
"""gemmakit-serve's /v1/embeddings on EmbeddingGemma's tiny golden folder: vectors equal the
golden's (named prompts, batches, Matryoshka `dimensions`, base64), OpenAI's response shape, and
the documented errors; a causal model answers 400.

  serve_embeddings_test.py GEMMAKIT_SERVE TEST_DATA_DIR
"""
import array
import base64
import json
import math
import os
import sys

from serve_fixture import Server, check, failures

MODEL = "embeddinggemma-tiny"



def floats(path):
    a = array.array("f")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    return list(a)


def close(got, want, tol=1e-5):
    return len(got) == len(want) and max(abs(g - w) for g, w in zip(got, want)) <= tol


def main():
    binary, data = sys.argv[1], sys.argv[2]
    folder = os.path.join(data, MODEL)
    with open(os.path.join(folder, "golden.json")) as f:
        cases = {c["name"]: c for c in json.load(f)["cases"]}
    query, short = cases["query_planet"], cases["plain_short"]
    want_query = floats(os.path.join(folder, query["embedding_file"]))
    want_short = floats(os.path.join(folder, short["embedding_file"]))
    with Server(binary, folder) as s:
        post = lambda body: s.request("POST", "/v1/embeddings", body)

        st, body, _ = post({"model": MODEL, "input": query["text"], "prompt_name": "query"})
        item = body["data"][0] if st == 200 else {}
        check(st == 200 and body["object"] == "list" and body["model"] == MODEL and item.get("object") == "embedding"
              and item.get("index") == 0 and close(item["embedding"], want_query)
              and body["usage"]["prompt_tokens"] > 0, f"one text, named prompt = golden ({st})")

        st, body, _ = post({"model": MODEL, "input": [short["text"], query["text"]], "prompt_name": None})
        rows = [d["embedding"] for d in body.get("data", [])] if st == 200 else []
        check(len(rows) == 2 and [d["index"] for d in body["data"]] == [0, 1] and close(rows[0], want_short),
              f"a batch of two, in order ({st})")

        st, body, _ = post({"model": MODEL, "input": query["text"], "prompt_name": "query", "dimensions": 16})
        cut = body["data"][0]["embedding"] if st == 200 else []
        norm = math.sqrt(sum(v * v for v in want_query[:16]))
        check(close(cut, [v / norm for v in want_query[:16]]), f"dimensions 16: truncated and renormalised ({st})")

        st, body, _ = post({"model": MODEL, "input": query["text"], "prompt_name": "query",
                            "encoding_format": "base64"})
        packed = body["data"][0]["embedding"] if st == 200 else ""
        decoded = array.array("f")
        decoded.frombytes(base64.b64decode(packed) if isinstance(packed, str) else b"")
        check(close(list(decoded), want_query), f"encoding_format base64: the same float32 values ({st})")

        for what, req, status, code in [
            ("no input", {"model": MODEL}, 400, "missing_required_parameter"),
            ("token arrays", {"model": MODEL, "input": [[1, 2, 3]]}, 400, "invalid_type"),
            ("dimensions too large", {"model": MODEL, "input": "x", "dimensions": 100000}, 400, "invalid_value"),
            ("unknown prompt name", {"model": MODEL, "input": "x", "prompt_name": "nope"}, 400, "invalid_value"),
            ("unknown model", {"model": "other", "input": "x"}, 404, "model_not_found"),
        ]:
            st, body, _ = post(req)
            check(st == status and body.get("error", {}).get("code") == code, f"{what}: {status} {code} ({st} {body})")
        st, _, _ = s.request("GET", "/health")
        check(st == 200, "healthy after the errors")

    with Server(binary, os.path.join(data, "gemma3-tiny")) as s:
        st, body, _ = s.request("POST", "/v1/embeddings", {"model": "gemma3-tiny", "input": "x"})
        check(st == 400 and body["error"]["code"] == "unsupported_model", f"a causal model: 400 ({st} {body})")

    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
