#!/usr/bin/env python3
"""gemmakit-serve's HTTP contract on loopback: errors (status and OpenAI error JSON), streaming
over SSE with curl, seeds, stops, n, logprobs, completions, prefix reuse, cancellation of a
disconnected client, rate limits, images as data URLs, the model's recommended sampling as default.

  serve_http_test.py GEMMAKIT_SERVE TEST_DATA_DIR
"""
import base64
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from serve_fixture import Server, check, failures




def expect_error(resp, status, code, what):
    got_status, body, _ = resp
    ok = got_status == status and isinstance(body, dict) and body.get("error", {}).get("code") == code
    ok = ok and isinstance(body["error"].get("message"), str) and isinstance(body["error"].get("type"), str)
    check(ok, f"{what}: {status} {code} (got {got_status} {str(body)[:160]})")


def curl_sse(url, body, key=None, max_time=None):
    """The data payloads of a streamed request, read with curl."""
    cmd = ["curl", "-sN", url, "-H", "Content-Type: application/json", "-d", json.dumps(body)]
    if key:
        cmd += ["-H", "Authorization: Bearer " + key]
    if max_time:
        cmd += ["--max-time", str(max_time)]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    return [line[6:] for line in out.splitlines() if line.startswith("data: ")]


def leave_after_first_chunk(url, body, key):
    host, port = url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("POST", "/v1/completions", json.dumps(body),
                 {"Content-Type": "application/json", "Authorization": "Bearer " + key})
    resp = conn.getresponse()
    resp.fp.readline()  # the first chunk's size line: generation has begun
    conn.sock.shutdown(socket.SHUT_RDWR)
    conn.close()


def chat(messages, **kw):
    return {"model": "gemma3-mini", "messages": messages, **kw}


def wait_for(pred, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.1)
    return False


def sampling_defaults(binary, mini):
    """A folder whose generation_config.json says greedy: its requests are greedy unless they (or the
    command line) ask otherwise, as llama-server takes a GGUF file's general.sampling.* keys."""
    def text(server, **fields):
        status, body, _ = server.request("POST", "/v1/completions", {
            "model": "gemma3-mini", "prompt": "Once upon a time", "max_tokens": 8, **fields})
        return body["choices"][0]["text"] if status == 200 else f"status {status}"

    with Server(binary, mini) as s:
        greedy = text(s, temperature=0)
        check(text(s, seed=1) != greedy, "without advice a request samples")
        # llama-server's fields: each can be seen to act on the sampler.
        check(text(s, seed=1, top_k=1) == greedy, "a request's top_k 1 is greedy")
        check(text(s, seed=1, min_p=1) == greedy, "a request's min_p 1 keeps the likeliest token only")
        check(text(s, temperature=0, repeat_penalty=5) != greedy, "a request's repeat_penalty acts")
        check(text(s, temperature=0, repeat_penalty=5, repeat_last_n=0) == greedy,
              "a request's repeat_last_n 0 turns the penalty off")
        for endpoint, body in (("/v1/completions", {"model": "gemma3-mini", "prompt": "Hi"}),
                               ("/v1/chat/completions", chat([{"role": "user", "content": "Hi"}]))):
            for field, value, code in (("top_k", -1, "invalid_value"), ("top_k", "40", "invalid_type"),
                                       ("min_p", 2, "invalid_value"), ("repeat_penalty", 0, "invalid_value"),
                                       ("repeat_last_n", -2, "invalid_value"), ("repeat_last_n", 1.5, "invalid_type")):
                expect_error(s.request("POST", endpoint, {**body, field: value}), 400, code,
                             f"{endpoint} {field} {value!r}")
    with Server(binary, mini, "--top-k", "1") as s:
        check(text(s, seed=1) == greedy, "--top-k 1 is greedy")
        check(text(s, seed=1, top_k=0) != greedy, "a request's top_k wins over --top-k")
    with tempfile.TemporaryDirectory() as folder:
        for name in os.listdir(mini):
            os.symlink(os.path.abspath(os.path.join(mini, name)), os.path.join(folder, name))
        with open(os.path.join(folder, "generation_config.json"), "w") as f:
            f.write('{"do_sample": false}')
        with Server(binary, folder, "--model-name", "gemma3-mini") as s:
            check(text(s, seed=1) == greedy and text(s, seed=2) == greedy, "the model's greedy is the default")
            check(text(s, seed=1, temperature=1) != greedy, "a request's temperature wins over the model's")
        with Server(binary, folder, "--model-name", "gemma3-mini", "--temperature", "1") as s:
            check(text(s, seed=1) != greedy, "--temperature wins over the model's")


def main(binary, data):
    if shutil.which("curl") is None:
        print("serve_http_test: curl not found: skipped")
        return 77
    mini = os.path.join(data, "gemma3-mini")
    hello = [{"role": "user", "content": "Hello there"}]
    with Server(binary, mini, "--api-key", "key-one", "--api-key", "key-two", "--max-body-bytes", "65536",
                "--parallel", "4") as s:
        K = "key-one"
        check(s.request("GET", "/health")[0] == 200, "/health answers without a key")
        expect_error(s.request("POST", "/v1/chat/completions", chat(hello)), 401, "missing_api_key", "no key")
        expect_error(s.request("POST", "/v1/chat/completions", chat(hello), key="nope"), 401, "invalid_api_key",
                     "wrong key")
        expect_error(s.request("POST", "/v1/chat/completions", raw=b"{\"model\": ", key=K), 400, "invalid_json",
                     "malformed JSON")
        expect_error(s.request("POST", "/v1/chat/completions", {**chat(hello), "model": "gpt-4"}, key=K), 404,
                     "model_not_found", "unknown model")
        big = chat([{"role": "user", "content": "x" * 100000}])
        expect_error(s.request("POST", "/v1/chat/completions", big, key=K), 413, "request_too_large", "oversize body")
        expect_error(s.request("POST", "/v1/chat/completions", {**chat(hello), "functions": []}, key=K), 400,
                     "unsupported_parameter", "legacy functions (use tools)")
        rf = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object", "maximum": 3}}}
        expect_error(s.request("POST", "/v1/chat/completions", {**chat(hello), "response_format": rf}, key=K), 400,
                     "invalid_value", "response_format json_schema the engine refuses")
        expect_error(s.request("POST", "/v1/chat/completions", {**chat(hello), "temperature": 7}, key=K), 400,
                     "invalid_value", "temperature out of range")
        expect_error(s.request("POST", "/v1/chat/completions", {"model": "gemma3-mini", "messages": []}, key=K), 400,
                     "missing_required_parameter", "no messages")
        expect_error(s.request("GET", "/v1/nothing", key=K), 404, "unknown_url", "unknown path")
        expect_error(s.request("POST", "/v1/chat/completions",
                               chat([{"role": "user", "content": [{"type": "image_url", "image_url": {
                                   "url": "data:image/png;base64," + base64.b64encode(b"not a png").decode()}}]}]),
                               key=K), 400, "invalid_image_url", "corrupt image")

        _, models, _ = s.request("GET", "/v1/models", key=K)
        check(models["data"][0]["id"] == "gemma3-mini", "/v1/models lists the model")

        status, a, _ = s.request("POST", "/v1/chat/completions", chat(hello, seed=7, max_tokens=24), key="key-two")
        text = a["choices"][0]["message"]["content"]
        check(status == 200 and a["object"] == "chat.completion" and a["usage"]["completion_tokens"] > 0,
              "chat completion (second key)")
        _, b, _ = s.request("POST", "/v1/chat/completions", chat(hello, seed=7, max_tokens=24), key=K)
        check(b["choices"][0]["message"]["content"] == text, "a seed repeats its reply")

        events = curl_sse(s.url + "/v1/chat/completions", chat(hello, seed=7, max_tokens=24, stream=True), key=K)
        chunks = [json.loads(e) for e in events if e != "[DONE]"]
        streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
        check(events and events[-1] == "[DONE]", "SSE ends with [DONE]")
        check(all(c["object"] == "chat.completion.chunk" for c in chunks), "SSE chunks are chat.completion.chunk")
        check(chunks[0]["choices"][0]["delta"].get("role") == "assistant", "first chunk carries the role")
        check(streamed == text, "streamed text equals the non-streamed reply")
        check(chunks[-1]["choices"][0]["finish_reason"] == a["choices"][0]["finish_reason"], "finish_reason streamed")

        if len(text) >= 8:
            stop = text[4:7]
            _, st, _ = s.request("POST", "/v1/chat/completions", chat(hello, seed=7, max_tokens=24, stop=[stop]), key=K)
            check(st["choices"][0]["message"]["content"] == text[:text.index(stop)]
                  and st["choices"][0]["finish_reason"] == "stop", f"stop string {stop!r} cuts the reply")

        _, n3, _ = s.request("POST", "/v1/chat/completions", chat(hello, seed=7, max_tokens=24, n=3), key=K)
        _, s8, _ = s.request("POST", "/v1/chat/completions", chat(hello, seed=8, max_tokens=24), key=K)
        check(len(n3["choices"]) == 3 and n3["choices"][0]["message"]["content"] == text
              and n3["choices"][1]["message"]["content"] == s8["choices"][0]["message"]["content"],
              "n=3: choice i samples with seed + i")

        _, lp, _ = s.request("POST", "/v1/chat/completions",
                             chat(hello, seed=7, max_tokens=8, logprobs=True, top_logprobs=3), key=K)
        content = lp["choices"][0]["logprobs"]["content"]
        check(len(content) == lp["usage"]["completion_tokens"]
              and all(len(t["top_logprobs"]) == 3 and t["logprob"] <= 0 for t in content)
              and all(t["top_logprobs"][0]["logprob"] >= t["logprob"] - 1e-5 for t in content),
              "logprobs: one per token, top 3 alternatives")

        schema = {"type": "object", "required": ["a", "b"],
                  "properties": {"a": {"type": "integer"}, "b": {"type": "string", "enum": ["x", "y"]}}}
        for seed in (1, 2, 3):
            _, js, _ = s.request("POST", "/v1/chat/completions", chat(hello, seed=seed, max_tokens=300, response_format={
                "type": "json_schema", "json_schema": {"name": "ab", "schema": schema}}), key=K)
            out = js["choices"][0]["message"]["content"]
            try:
                value = json.loads(out)
                valid = isinstance(value["a"], int) and value["b"] in ("x", "y")
            except (ValueError, KeyError, TypeError):
                valid = False
            check(js["choices"][0]["finish_reason"] == "stop" and valid,
                  f"response_format json_schema: {out.strip()!r} parses and validates")
        _, jo, _ = s.request("POST", "/v1/chat/completions",
                             chat(hello, seed=1, max_tokens=400, response_format={"type": "json_object"}), key=K)
        out = jo["choices"][0]["message"]["content"]
        check(jo["choices"][0]["finish_reason"] != "stop" or isinstance(json.loads(out), dict),
              "response_format json_object gives a JSON object")
        _, lb, _ = s.request("POST", "/v1/chat/completions",
                             chat(hello, max_tokens=5, temperature=0, logprobs=True, logit_bias={"100": 100}), key=K)
        tokens = {t["token"] for t in lb["choices"][0]["logprobs"]["content"]}
        check(len(tokens) == 1, f"logit_bias +100 selects one token every time ({tokens})")

        _, c, _ = s.request("POST", "/v1/completions",
                            {"model": "gemma3-mini", "prompt": "Once upon a time", "max_tokens": 8, "seed": 3}, key=K)
        check(c["object"] == "text_completion" and 0 < c["usage"]["completion_tokens"] <= 8, "/v1/completions")
        events = curl_sse(s.url + "/v1/completions", {"model": "gemma3-mini", "prompt": "Once upon a time",
                                                      "max_tokens": 8, "seed": 3, "stream": True}, key=K)
        check("".join(json.loads(e)["choices"][0]["text"] for e in events if e != "[DONE]") == c["choices"][0]["text"],
              "/v1/completions streamed with curl")

        system = {"role": "system", "content": "You answer questions about the weather. " * 20}
        before = s.metrics()["gemmakit_prompt_tokens_reused_total"]
        s.request("POST", "/v1/chat/completions", chat([system, {"role": "user", "content": "Rain?"}], max_tokens=4),
                  key=K)
        s.request("POST", "/v1/chat/completions", chat([system, {"role": "user", "content": "Snow?"}], max_tokens=4),
                  key=K)
        reused = s.metrics()["gemmakit_prompt_tokens_reused_total"] - before
        check(reused >= 100, f"prefix reuse across requests sharing a system prompt ({reused:.0f} tokens reused)")

        # A client that goes away mid-stream: its generation is cancelled, the server stays healthy.
        # A seed whose reply runs hundreds of tokens (kernels of another ISA may change which); the
        # client leaves after the first chunk.
        for seed in range(2, 20):
            long_req = {"model": "gemma3-mini", "prompt": "Hello there", "max_tokens": 3000, "seed": seed,
                        "temperature": 2}
            _, full, _ = s.request("POST", "/v1/completions", long_req, key=K)
            full_tokens = full["usage"]["completion_tokens"]
            if full_tokens >= 200:
                break
        before = s.metrics()["gemmakit_generated_tokens_total"]
        leave_after_first_chunk(s.url, {**long_req, "stream": True}, K)
        check(wait_for(lambda: s.metrics().get('gemmakit_errors_total{kind="client_disconnected"}', 0) >= 1),
              "a disconnected client cancels its generation")
        check(wait_for(lambda: s.metrics()["gemmakit_active_sessions"] == 0), "no session left decoding")
        spent = s.metrics()["gemmakit_generated_tokens_total"] - before
        check(full_tokens >= 200 and spent < full_tokens,
              f"the cancelled generation stopped early ({spent:.0f} of {full_tokens} tokens)")
        m = s.metrics()
        for name in ["gemmakit_decode_tokens_per_second", "gemmakit_time_to_first_token_seconds_count",
                     "gemmakit_queue_length", "gemmakit_active_sessions", "gemmakit_kv_bytes",
                     'gemmakit_errors_total{kind="invalid_api_key"}']:
            check(name in m, f"/metrics has {name}")
        check(m["gemmakit_kv_bytes"] > 0, "KV bytes in use reported")
        check(s.request("GET", "/health")[0] == 200 and
              s.request("POST", "/v1/chat/completions", chat(hello, max_tokens=2), key=K)[0] == 200,
              "healthy after the bad requests")
        check(s.stop() == 0, "SIGTERM stops the server cleanly")

    with Server(binary, mini, "--rate-limit", "3") as s:
        codes = [s.request("GET", "/v1/models")[0] for _ in range(3)]
        status, body, headers = s.request("GET", "/v1/models")
        check(codes == [200] * 3, "requests within the rate limit pass")
        expect_error((status, body, headers), 429, "rate_limit_exceeded", "past the rate limit")
        check("Retry-After" in headers, "429 says when to retry")
        image = chat([{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(
                open(os.path.join(data, "gemma3-vision-tiny", "square.png"), "rb").read()).decode()}}]}])

    vision = os.path.join(data, "gemma3-vision-tiny")
    with Server(binary, vision) as s:
        status, body, _ = s.request("POST", "/v1/chat/completions",
                                    {**image, "model": "gemma3-vision-tiny", "max_tokens": 4, "seed": 1})
        check(status == 200 and body["usage"]["prompt_tokens"] > 16,
              f"an image as a data URL reaches a vision model ({status}, {str(body)[:120]})")
    with Server(binary, mini) as s:
        expect_error(s.request("POST", "/v1/chat/completions", {**image, "max_tokens": 4}), 400, "unsupported_content",
                     "an image sent to a text-only model")

    # LoRA: an adapter active in every session gives what the same adapter folded into the weights gives
    # (the tiny model's BF16 weights round the merged ones: within 5e-3 per token), not the base's.
    lora = os.path.join(data, "gemma3-lora-tiny")
    adapter = os.path.join(lora, "adapters", "adapter1") + ":0.5"
    completion = {"model": "gemma3-lora-tiny", "prompt": "The moon", "max_tokens": 6, "temperature": 0,
                  "logprobs": 1}
    logprobs = {}
    for name, extra in (("run-time", ("--lora", adapter)), ("merged", ("--lora-merge", adapter)), ("base", ())):
        with Server(binary, lora, *extra) as s:
            status, body, _ = s.request("POST", "/v1/completions", completion)
            check(status == 200, f"completion with {name} adapter ({status})")
            logprobs[name] = body["choices"][0]["logprobs"]["token_logprobs"] if status == 200 else []
    pairs = list(zip(logprobs["run-time"], logprobs["merged"], logprobs["base"]))
    check(len(pairs) == 6 and max(abs(a - m) for a, m, _ in pairs) < 5e-3,
          f"--lora equals --lora-merge ({pairs})")
    check(len(pairs) == 6 and max(abs(a - b) for a, _, b in pairs) > 0.05, f"--lora changes the base ({pairs})")
    # Per request, as llama-server takes them: "lora": [{"id", "scale"}] replaces the default set.
    with Server(binary, lora, "--lora", adapter) as s:
        status, listed, _ = s.request("GET", "/lora-adapters")
        check(status == 200 and len(listed) == 1 and listed[0]["id"] == 0 and abs(listed[0]["scale"] - 0.5) < 1e-6,
              f"/lora-adapters lists the adapter ({status}, {listed})")
        def lp(extra):
            status, body, _ = s.request("POST", "/v1/completions", {**completion, **extra})
            return body["choices"][0]["logprobs"]["token_logprobs"] if status == 200 else (status, body)
        default, off, half = lp({}), lp({"lora": [{"id": 0, "scale": 0}]}), lp({"lora": [{"id": 0, "scale": 0.5}]})
        check(default == logprobs["run-time"], f"no lora field: the default set ({default})")
        check(off == logprobs["base"], f"scale 0: the base model ({off})")
        check(half == logprobs["run-time"], f"the same set given per request ({half})")
        check(lp({}) == logprobs["run-time"], "the default set again after another set's requests")
        expect_error(s.request("POST", "/v1/completions", {**completion, "lora": [{"id": 3, "scale": 1}]}), 400,
                     "invalid_value", "an unknown lora id")
        expect_error(s.request("POST", "/v1/completions", {**completion, "lora": [{"id": 0}, {"id": 0}]}), 400,
                     "invalid_value", "a lora id named twice")
        expect_error(s.request("POST", "/v1/completions", {**completion, "lora": {"id": 0}}), 400,
                     "invalid_type", "lora not an array")
    with Server(binary, mini, "--weights", "q8_0", "--precision", "fast") as s:
        status, body, _ = s.request("POST", "/v1/completions", {"model": "gemma3-mini", "prompt": "Hi", "max_tokens": 3})
        check(status == 200 and body["usage"]["completion_tokens"] > 0, f"--weights q8_0 --precision fast ({status})")
    sampling_defaults(binary, mini)
    for args, words in (((lora, "--lora", mini), "adapter_config.json"), ((lora, "--weights", "q9"), "q4_k_m"),
                        ((lora, "--precision", "quick"), "exact or fast")):
        r = subprocess.run([binary, *args, "--port", "0"], capture_output=True, text=True, timeout=60)
        check(r.returncode != 0 and words in r.stderr, f"refused at start: {args[1:]} ({r.returncode}, {r.stderr[:200]})")

    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
