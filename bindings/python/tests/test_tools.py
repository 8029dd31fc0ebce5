"""Function calling through the Python bindings."""
import os

import pytest

import gemmakit

DATA = os.environ.get("GEMMAKIT_TEST_DATA",
                      os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "data"))
MODEL = os.path.join(DATA, "gemma3-tiny")
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


@pytest.fixture(scope="module")
def model():
    with gemmakit.Model(MODEL) as m:
        yield m


def test_rendering_in_both_formats(model):
    assert gemmakit.tool_format(model) == "gemma3"
    msgs = [{"role": "user", "content": "Weather in Oslo?"}]
    g3 = gemmakit.apply_chat_template_tools(model, msgs, [WEATHER])
    assert g3.startswith("<bos><start_of_turn>user\nYou have access to functions.")
    assert '"name": "get_weather"' in g3 and g3.endswith("Weather in Oslo?<end_of_turn>\n<start_of_turn>model\n")
    fg = gemmakit.apply_chat_template_tools(None, msgs, [WEATHER["function"]], format="functiongemma")
    assert ("<start_function_declaration>declaration:get_weather{description:<escape>Weather of a city<escape>,"
            "parameters:{properties:{city:{type:<escape>STRING<escape>}},required:[<escape>city<escape>],"
            "type:<escape>OBJECT<escape>}}<end_function_declaration>") in fg
    with pytest.raises(gemmakit.InvalidArgumentError, match="parameters is not an object"):
        gemmakit.apply_chat_template_tools(model, msgs, [{"name": "f", "parameters": [1]}])


def test_streaming_parser_reports_each_call_once():
    p = gemmakit.ToolCallParser("gemma3")
    out = 'Sure. [get_weather(city="Oslo"), get_weather(city=\'Bergen\')] and [not a call]'
    seen = []
    for ch in out:
        seen += p.feed(ch)
    p.finish()
    assert [c.arguments for c in seen] == [{"city": "Oslo"}, {"city": "Bergen"}]
    assert p.calls == seen
    assert p.text == "Sure.  and [not a call]"
    fg = gemmakit.ToolCallParser("functiongemma")
    assert fg.feed("<start_function_call>call:f{n:3,s:<escape>a,b<escape>}<end_function_call>") == \
        [gemmakit.ToolCall("f", {"n": 3, "s": "a,b"})]
    with pytest.raises(ValueError):
        gemmakit.ToolCallParser("auto")


def test_chat_with_tools_and_a_result_turn(model):
    session = model.session()
    streamed = []
    text, calls = gemmakit.chat_tools(session, [{"role": "user", "content": "Weather in Oslo?"}], [WEATHER],
                                      on_call=streamed.append, max_tokens=8, temperature=0)
    assert calls == streamed  # random weights: usually none, but both views agree
    conversation = [{"role": "user", "content": "Weather in Oslo?"},
                    {"role": "assistant", "content": '[get_weather(city="Oslo")]'},
                    {"role": "tool", "content": '{"temperature": 3}'}]
    pieces = list(gemmakit.chat_tools_stream(session, [{"role": "user", "content": "Weather in Oslo?"}], [WEATHER],
                                             max_tokens=8, temperature=0))
    if not calls:  # the streamed output is the text, calls and all
        assert "".join(p for p in pieces if isinstance(p, str)) == text
    assert [p for p in pieces if isinstance(p, gemmakit.ToolCall)] == calls
    text2, _ = gemmakit.chat_tools(session, conversation, [WEATHER], max_tokens=8, temperature=0)
    assert isinstance(text, str) and isinstance(text2, str)
    session.close()
