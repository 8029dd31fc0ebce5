#!/usr/bin/env python3
"""gemmakit-serve's structured output over HTTP on a tiny random model: response_format (a JSON
schema whose output must parse and validate, JSON mode, a schema the engine refuses -> 400) and
tools (tool_choice "required" and a named function force a call through the call grammar, its
arguments following the function's parameter schema; the call comes back as choices[].message.tool_calls, streamed as delta.tool_calls; tool turns are
accepted back).

  serve_structured_output_test.py GEMMAKIT_SERVE TEST_DATA_DIR
"""
import json
import os
import subprocess
import sys

from serve_fixture import Server, check, failures

MODEL = "gemma3-mini"



def chat(messages, **kw):
    return {"model": MODEL, "messages": messages, **kw}


def sse_payloads(url, body):
    out = subprocess.run(["curl", "-sN", url, "-H", "Content-Type: application/json", "-d", json.dumps(body)],
                         capture_output=True, text=True, timeout=120).stdout
    return [line[6:] for line in out.splitlines() if line.startswith("data: ")]


PERSON = {"type": "object",
          "properties": {"ok": {"type": "boolean"},
                         "color": {"enum": ["red", "green", "blue"]},
                         "count": {"type": "integer"}},
          "required": ["ok", "color", "count"], "additionalProperties": False}


def validates(v):
    return (isinstance(v, dict) and set(v) == {"ok", "color", "count"} and isinstance(v["ok"], bool)
            and v["color"] in ("red", "green", "blue") and isinstance(v["count"], int))


WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
# Functions without parameters: the call grammar gives them no arguments, so even a random model's
# call ends (a free-form argument string may run to max_tokens).
TIME = {"type": "function", "function": {"name": "get_time", "description": "The time now", "parameters": {}}}
DATE = {"type": "function", "function": {"name": "get_date", "description": "Today's date",
                                         "parameters": {"type": "object", "properties": {}}}}
# Typed parameters: a forced call's arguments follow the schema (names, types, enum, required).
FORECAST = {"type": "function", "function": {
    "name": "get_forecast", "description": "The forecast for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 8},
                                                    "days": {"type": "integer"},
                                                    "unit": {"enum": ["celsius", "fahrenheit"]},
                                                    "hourly": {"type": "boolean"}},
                   "required": ["city", "days"], "additionalProperties": False}}}
USER = [{"role": "user", "content": "What is the weather in Paris?"}]


def forecast_args_valid(args):
    return (isinstance(args, dict) and set(args) <= {"city", "days", "unit", "hourly"}
            and isinstance(args.get("city"), str) and len(args["city"]) <= 8
            and isinstance(args.get("days"), int) and not isinstance(args["days"], bool)
            and args.get("unit", "celsius") in ("celsius", "fahrenheit")
            and isinstance(args.get("hourly", False), bool))


def main():
    binary, data = sys.argv[1], sys.argv[2]
    with Server(binary, os.path.join(data, MODEL)) as s:
        post = lambda body: s.request("POST", "/v1/chat/completions", body)

        # A JSON schema: whatever the random weights prefer, the text parses and validates.
        for seed in (1, 2, 3):
            st, body, _ = post(chat(USER, seed=seed, temperature=1, max_tokens=200, response_format={
                "type": "json_schema", "json_schema": {"name": "answer", "strict": True, "schema": PERSON}}))
            text = body["choices"][0]["message"]["content"] if st == 200 else None
            try:
                value = json.loads(text)
            except (TypeError, ValueError):
                value = None
            check(st == 200 and body["choices"][0]["finish_reason"] == "stop" and validates(value),
                  f"json_schema seed {seed}: {str(text)[:120]}")

        # Streamed, the same: the deltas join into one valid document.
        events = sse_payloads(s.url + "/v1/chat/completions", chat(USER, seed=4, max_tokens=200, stream=True,
                              response_format={"type": "json_schema", "json_schema": {"name": "a", "schema": PERSON}}))
        text = "".join(json.loads(e)["choices"][0]["delta"].get("content") or "" for e in events[:-1]
                       if json.loads(e)["choices"])
        try:
            check(validates(json.loads(text)), f"streamed json_schema validates: {text[:120]}")
        except ValueError:
            check(False, f"streamed json_schema parses: {text[:120]}")

        # JSON mode: any JSON object. A random model may stay inside a string until max_tokens cuts
        # it (a valid prefix, finish_reason "length"); a finished reply must parse as an object.
        for seed in (5, 6, 7):
            st, body, _ = post(chat(USER, seed=seed, max_tokens=400, response_format={"type": "json_object"}))
            c = body["choices"][0] if st == 200 else {}
            text = (c.get("message") or {}).get("content") or ""
            try:
                obj = json.loads(text)
            except ValueError:
                obj = None
            if c.get("finish_reason") == "length":
                check(st == 200 and text.lstrip().startswith("{"), f"json_object (cut) starts an object: {str(c)[:160]}")
            else:
                check(st == 200 and c.get("finish_reason") == "stop" and isinstance(obj, dict),
                      f"json_object parses as an object: {str(c)[:160]}")

        # A schema the engine refuses: 400 before anything is generated, OpenAI's error JSON.
        st, body, _ = post(chat(USER, response_format={"type": "json_schema", "json_schema": {
            "name": "bad", "schema": {"type": "object", "properties": {"a": {"type": "colour"}}}}}))
        err = body.get("error", {}) if isinstance(body, dict) else {}
        check(st == 400 and err.get("type") == "invalid_request_error" and err.get("param") == "response_format"
              and "schema" in err.get("message", ""), f"bad schema: 400 ({st} {str(body)[:200]})")
        st, body, _ = post(chat(USER, response_format={"type": "json_schema", "json_schema": {"name": "x",
                                                                                             "schema": "{}"}}))
        check(st == 400 and body["error"]["param"] == "response_format", f"schema not an object: 400 ({st})")

        # tool_choice "required": the grammar makes the random model call a declared function.
        st, body, _ = post(chat(USER, tools=[TIME, DATE], tool_choice="required", seed=7, max_tokens=300))
        c = body["choices"][0] if st == 200 else {}
        calls = c.get("message", {}).get("tool_calls") or []
        args_ok = all(isinstance(json.loads(t["function"]["arguments"]), dict) for t in calls)
        check(st == 200 and c.get("finish_reason") == "tool_calls" and len(calls) >= 1 and args_ok
              and all(t["type"] == "function" and t["id"].startswith("call_")
                      and t["function"]["name"] in ("get_time", "get_date") for t in calls),
              f"required: tool_calls parse ({str(c)[:240]})")

        # Typed parameters: every forced call's arguments validate against the function's schema.
        for seed in (11, 12):
            st, body, _ = post(chat(USER, tools=[FORECAST], tool_choice="required", seed=seed, max_tokens=300))
            c = body["choices"][0] if st == 200 else {}
            calls = c.get("message", {}).get("tool_calls") or []
            check(st == 200 and c.get("finish_reason") == "tool_calls" and len(calls) >= 1
                  and all(forecast_args_valid(json.loads(t["function"]["arguments"])) for t in calls),
                  f"required: arguments follow the schema ({str(c)[:300]})")
        # A parameter schema the converter refuses: 400, the path named.
        bounded = {"type": "function", "function": {"name": "f", "parameters": {
            "type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}}}}
        st, body, _ = post(chat(USER, tools=[bounded], tool_choice="required"))
        check(st == 400 and "/properties/n" in body.get("error", {}).get("message", ""),
              f"refused parameter schema: 400 ({st} {str(body)[:200]})")

        # A named function: only it is called.
        named = {"type": "function", "function": {"name": "get_time"}}
        st, body, _ = post(chat(USER, tools=[WEATHER, TIME], tool_choice=named, seed=8, max_tokens=300))
        c = body["choices"][0] if st == 200 else {}
        calls = c.get("message", {}).get("tool_calls") or []
        check(st == 200 and c.get("finish_reason") == "tool_calls" and len(calls) >= 1
              and all(t["function"]["name"] == "get_time" for t in calls), f"named function called ({str(c)[:240]})")

        # Streaming: the call arrives as delta.tool_calls, the choice ends with "tool_calls".
        events = sse_payloads(s.url + "/v1/chat/completions",
                              chat(USER, tools=[WEATHER, DATE], seed=9, max_tokens=300, stream=True,
                                   tool_choice={"type": "function", "function": {"name": "get_date"}}))
        chunks = [json.loads(e) for e in events if e != "[DONE]"]
        deltas = [d for ch in chunks for d in ch["choices"][0]["delta"].get("tool_calls", [])]
        reasons = [ch["choices"][0]["finish_reason"] for ch in chunks if ch["choices"][0]["finish_reason"]]
        check(len(deltas) >= 1 and deltas[0]["index"] == 0 and deltas[0]["function"]["name"] == "get_date"
              and isinstance(json.loads(deltas[0]["function"]["arguments"]), dict) and reasons == ["tool_calls"]
              and events[-1] == "[DONE]", f"streamed delta.tool_calls ({events[-3:]})")

        # The call and its result sent back: the next turn is generated (auto: a call or text).
        history = USER + [
            {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function", "function": {
                "name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "{\"celsius\": 21}"}]
        st, body, _ = post(chat(history, tools=[WEATHER], seed=10, max_tokens=8))
        check(st == 200 and body["choices"][0]["finish_reason"] in ("stop", "length", "tool_calls")
              and body["usage"]["prompt_tokens"] > 0, f"tool turns accepted ({st} {str(body)[:200]})")

        # Refusals: a named function not declared, tools on /v1/completions.
        st, body, _ = post(chat(USER, tools=[WEATHER], tool_choice={"type": "function", "function": {"name": "x"}}))
        check(st == 400 and body["error"]["param"] == "tool_choice", f"undeclared named function: 400 ({st})")
        st, body, _ = s.request("POST", "/v1/completions", {"model": MODEL, "prompt": "Hi", "tools": [WEATHER]})
        check(st == 400 and body["error"]["code"] == "unsupported_parameter", f"tools on completions: 400 ({st})")

    if failures:
        print(f"{len(failures)} failed")
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
