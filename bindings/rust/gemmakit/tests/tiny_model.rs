// The safe wrapper on the tiny test model (tests/data/gemma3-tiny, random weights: gibberish
// text; the tests compare paths through the API with each other).
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gemmakit::{GenerateOptions, LogLevel, Message, Model, SamplingParams, Session, StopReason};

fn model_dir() -> PathBuf {
    match std::env::var("GEMMAKIT_TEST_DATA") {
        Ok(d) => PathBuf::from(d).join("gemma3-tiny"),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../tests/data/gemma3-tiny"),
    }
}

fn greedy(max_tokens: i32) -> GenerateOptions {
    GenerateOptions { max_tokens, sampling: SamplingParams { temperature: 0.0, ..Default::default() }, ..Default::default() }
}

#[test]
fn info_tokenize_and_detokenize() {
    let model = Model::load(model_dir()).unwrap();
    let info = model.info().unwrap();
    assert_eq!(info.architecture, "gemma3");
    let ids = model.tokenize("Hello world", true).unwrap();
    assert_eq!(ids[0], info.bos_id);
    assert_eq!(model.detokenize(&ids).unwrap(), "Hello world");
    assert!(gemmakit::version().starts_with("0."));
}

#[test]
fn iterator_closure_and_steps_give_the_same_text() {
    let model = Model::load(model_dir()).unwrap();
    let opts = GenerateOptions {
        max_tokens: 12,
        sampling: SamplingParams { temperature: 0.8, seed: Some(11), ..Default::default() },
        ..Default::default()
    };
    let streamed: String = model.session().unwrap().generate("Once upon", &opts).unwrap().text().unwrap();
    assert!(!streamed.is_empty());

    let mut pieces = String::new();
    let totals = model.session().unwrap().generate_with("Once upon", &opts, |t| {
        pieces.push_str(t);
        true
    }).unwrap();
    assert_eq!(pieces, streamed);
    assert_eq!(totals.text, streamed);

    let mut s = model.session().unwrap();
    s.begin_generate("Once upon", &opts).unwrap();
    let mut frames = String::new();
    loop {
        let step = s.step(3, Duration::from_millis(500)).unwrap();
        assert!(step.n_tokens <= 3);
        frames.push_str(&step.text);
        if step.finished {
            break;
        }
    }
    assert_eq!(frames, streamed);
    assert_eq!(s.result().unwrap().stop_reason, StopReason::MaxTokens);
}

#[test]
fn chat_reuses_the_session() {
    let model = Model::load(model_dir()).unwrap();
    let mut s = model.session().unwrap();
    let mut conv = vec![Message::user("Hello")];
    let reply = s.chat(&conv, &greedy(6)).unwrap().text().unwrap();
    let first = s.n_past().unwrap();
    conv.push(Message::assistant(&reply));
    conv.push(Message::user("And?"));
    s.chat(&conv, &greedy(4)).unwrap().text().unwrap();
    assert!(s.n_past().unwrap() > first);
    let whole = model.apply_chat_template(&conv, true).unwrap();
    assert!(whole.starts_with("<bos>"));
    assert!((s.result().unwrap().n_prompt_tokens as usize) < model.tokenize(&whole, false).unwrap().len());
}

#[test]
fn errors_carry_the_library_message() {
    let e = Model::load("/nonexistent/gemmakit/model").err().unwrap();
    assert_eq!(e.status, -2);
    assert!(e.message.contains("/nonexistent/gemmakit/model"), "{}", e);
    let model = Model::load(model_dir()).unwrap();
    let bad = GenerateOptions { sampling: SamplingParams { temperature: -1.0, ..Default::default() }, ..Default::default() };
    let e = model.session().unwrap().generate("x", &bad).err().unwrap();
    assert!(e.message.contains("temperature"), "{}", e);
    let mut small = Session::new(&model, 1, 4).unwrap();
    assert!(small.generate("a prompt far longer than four tokens", &greedy(2)).err().unwrap().is_context_full());
    assert!(model.detokenize(&[1 << 30]).is_err());
}

#[test]
fn model_is_shared_across_threads_and_sessions_move() {
    let model = Model::load(model_dir()).unwrap();
    let want = model.session().unwrap().generate("Hi", &greedy(5)).unwrap().text().unwrap();
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let m = model.clone();
            std::thread::spawn(move || m.session().unwrap().generate("Hi", &greedy(5)).unwrap().text().unwrap())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), want);
    }
    let mut session = model.session().unwrap();
    drop(model); // the session keeps the model alive
    let got = std::thread::spawn(move || session.generate("Hi", &greedy(5)).unwrap().text().unwrap()).join().unwrap();
    assert_eq!(got, want);
}

#[test]
fn log_callback_hears_the_library() {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let h = heard.clone();
    gemmakit::set_log_callback(Some(Box::new(move |level, msg| h.lock().unwrap().push((level, msg.to_string())))),
                               LogLevel::Info)
        .unwrap();
    let _model = Model::load(model_dir()).unwrap();
    gemmakit::set_log_callback(None, LogLevel::Info).unwrap();
    let heard = heard.lock().unwrap();
    assert!(heard.iter().any(|(l, m)| *l == LogLevel::Info && m.contains("gemma3")), "{:?}", *heard);
}

#[test]
fn thread_contract_is_in_the_types() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Model>();
    send::<Session>();
}

fn data_dir(name: &str) -> PathBuf {
    model_dir().parent().unwrap().join(name)
}

// Images through the safe wrapper, on tests/data/gemma3-vision-tiny (a tiny random multimodal
// Gemma 3): the same reply for an image loaded from a file and decoded from its bytes, pieces that
// add up to the totals, early stop by the closure, clear errors.
#[test]
fn chat_with_images() {
    let dir = data_dir("gemma3-vision-tiny");
    let model = Model::load(&dir).unwrap();
    let info = model.image_info().unwrap();
    assert!(info.tokens_per_image > 0);
    let path = dir.join("square.png");
    let loaded = gemmakit::Image::load(&path).unwrap();
    let decoded = gemmakit::Image::decode(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(loaded.size().unwrap(), (112, 112));
    let pixels = gemmakit::Image::from_pixels(&vec![7u8; 4 * 5 * 6], 5, 6, 20, 4).unwrap();
    assert_eq!(pixels.size().unwrap(), (5, 6));
    assert!(gemmakit::Image::from_pixels(&[0u8; 10], 5, 6, 20, 4).is_err());

    let ask = |img| vec![gemmakit::Turn::new("user", vec![gemmakit::Part::Image(img), gemmakit::Part::Text("What is it?")])];
    let mut pieces = String::new();
    let a = model.session().unwrap().chat_parts(&ask(&loaded), &greedy(6), |t| {
        pieces.push_str(t);
        true
    }).unwrap();
    assert!(a.n_tokens > 0);
    assert_eq!(pieces, a.text);
    let b = model.session().unwrap().chat_parts(&ask(&decoded), &greedy(6), |_| true).unwrap();
    assert_eq!(a.text, b.text);
    let mut calls = 0;
    let stopped = model.session().unwrap().chat_parts(&ask(&loaded), &greedy(6), |_| {
        calls += 1;
        false
    }).unwrap();
    assert_eq!(calls, 1);
    assert_eq!(stopped.stop_reason, StopReason::Callback);

    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        model.session().unwrap().chat_parts(&ask(&loaded), &greedy(6), |_| panic!("boom")).ok();
    }));
    assert_eq!(*panicked.unwrap_err().downcast::<&str>().unwrap(), "boom", "the closure's panic comes back");
    assert!(gemmakit::Image::decode(b"\x89PNG\r\n\x1a\n not a png").is_err());
    let text_only = Model::load(model_dir()).unwrap();
    let err = text_only.session().unwrap().chat_parts(&ask(&loaded), &greedy(2), |_| true).unwrap_err();
    assert!(err.message.contains("image"), "{}", err.message);
    assert!(text_only.image_info().is_err());
}

#[test]
fn matformer_slice_at_load() {
    // A Gemma 3n checkpoint cut to fewer layers at load; a bad spec names its field.
    let dir = model_dir().parent().unwrap().join("gemma3n-tiny");
    let spec = std::env::temp_dir().join(format!("gemmakit-slice-{}.json", std::process::id()));
    std::fs::write(&spec, r#"{"layers_skipped": [20, 21, 22, 23, 24]}"#).unwrap();
    let options = gemmakit::LoadOptions { slice: Some(spec.clone()), ..Default::default() };
    let model = Model::load_with(&dir, &options).unwrap();
    assert_eq!(model.info().unwrap().n_layers, 30);
    std::fs::write(&spec, r#"{"layers_skipped": [35]}"#).unwrap();
    let err = Model::load_with(&dir, &options).err().expect("a bad spec must fail");
    assert!(err.to_string().contains("layers_skipped"), "{err}");
    let _ = std::fs::remove_file(&spec);
}
