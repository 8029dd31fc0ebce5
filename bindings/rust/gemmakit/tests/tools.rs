// Function calling through the safe wrapper, on the tiny test model.
use std::path::PathBuf;

use gemmakit::{apply_chat_template_tools, GenerateOptions, Message, Model, SamplingParams, Tool, ToolCall,
               ToolCallParser, ToolFormat};

fn model_dir() -> PathBuf {
    match std::env::var("GEMMAKIT_TEST_DATA") {
        Ok(d) => PathBuf::from(d).join("gemma3-tiny"),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../tests/data/gemma3-tiny"),
    }
}

fn weather() -> Tool {
    Tool {
        name: "get_weather".into(),
        description: "Weather of a city".into(),
        parameters_json: r#"{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"#.into(),
    }
}

#[test]
fn tools_render_parse_and_chat() {
    let model = Model::load(model_dir()).unwrap();
    assert_eq!(model.tool_format().unwrap(), ToolFormat::Gemma3);
    let msgs = vec![Message::user("Weather in Oslo?")];
    let fg = apply_chat_template_tools(None, &msgs, &[weather()], ToolFormat::FunctionGemma).unwrap();
    assert!(fg.contains("<start_function_declaration>declaration:get_weather{description:<escape>Weather of a city"));
    let bad = Tool { parameters_json: "[1]".into(), ..weather() };
    assert!(apply_chat_template_tools(None, &msgs, &[bad], ToolFormat::Gemma3).is_err());
    assert!(apply_chat_template_tools(None, &msgs, &[weather()], ToolFormat::Auto).is_err());

    let mut p = ToolCallParser::new(ToolFormat::FunctionGemma).unwrap();
    let mut got = Vec::new();
    for piece in ["x <start_function_", "call>call:get_weather{city:<esc", "ape>Oslo<escape>}<end_function_call>"] {
        got.extend(p.feed(piece).unwrap());
    }
    let (all, text) = p.finish().unwrap();
    let want = ToolCall { name: "get_weather".into(), arguments_json: r#"{"city":"Oslo"}"#.into() };
    assert_eq!(got, vec![want.clone()]);
    assert_eq!(all, vec![want]);
    assert_eq!(text, "x ");
    assert!(ToolCallParser::new(ToolFormat::Auto).is_err());

    let mut session = model.session().unwrap();
    let sampling = SamplingParams { temperature: Some(0.0), ..Default::default() };
    let opts = GenerateOptions { max_tokens: 8, sampling, ..Default::default() };
    let mut streamed = Vec::new();
    let (g, calls, rest) = session
        .chat_tools(&msgs, &[weather()], ToolFormat::Auto, &opts, |c| {
            streamed.push(c.clone());
            true
        })
        .unwrap();
    assert!(g.n_tokens > 0);
    assert_eq!(calls, streamed);
    if calls.is_empty() {
        assert_eq!(rest, g.text);
    }
    // Pulled step by step: the same text, and the calls so far never shrink.
    session.begin_chat_tools(&msgs, &[weather()], ToolFormat::Auto, &opts).unwrap();
    let (mut pulled, mut seen) = (String::new(), 0usize);
    loop {
        let step = session.step(1, std::time::Duration::ZERO).unwrap();
        pulled.push_str(&step.text);
        let (so_far, _) = session.tool_calls().unwrap();
        assert!(so_far.len() >= seen);
        seen = so_far.len();
        if step.finished {
            break;
        }
    }
    assert_eq!(pulled, g.text);
    assert_eq!(session.tool_calls().unwrap().0, calls);
    let mut conversation = msgs.clone();
    conversation.push(Message::assistant(r#"[get_weather(city="Oslo")]"#));
    conversation.push(Message::new("tool", r#"{"temperature": 3}"#));
    session.chat_tools(&conversation, &[weather()], ToolFormat::Auto, &opts, |_| true).unwrap();
}
