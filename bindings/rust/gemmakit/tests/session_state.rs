// Saved sessions, forks, batched decoding, KV options, cancellation from another thread and the
// model tooling calls, on the tiny test model (random weights: paths are compared with each other).
use std::path::PathBuf;

use gemmakit::{ContextFull, KvType, Model, SamplingParams, Session, SessionOptions};

fn data_dir() -> PathBuf {
    match std::env::var("GEMMAKIT_TEST_DATA") {
        Ok(d) => PathBuf::from(d),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../tests/data"),
    }
}

fn model() -> Model {
    Model::load(data_dir().join("gemma3-tiny")).unwrap()
}

fn greedy() -> SamplingParams {
    SamplingParams { temperature: Some(0.0), ..Default::default() }
}

fn greedy_continuation(s: &mut Session, n: usize) -> Vec<i32> {
    (0..n).map(|_| {
        let t = s.sample(&greedy(), false).unwrap();
        s.eval(&[t]).unwrap();
        t
    }).collect()
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("gemmakit-rust-{}-{}", std::process::id(), name))
}

#[test]
fn save_load_and_fork_continue_alike() {
    let model = model();
    let ids = model.tokenize("The quick brown fox", true).unwrap();
    let mut s = model.session().unwrap();
    s.eval(&ids).unwrap();
    let blob = s.save().unwrap();
    let path = scratch("session.bin");
    s.save_file(&path).unwrap();
    let mut fork = s.fork().unwrap();
    let want = greedy_continuation(&mut s, 6);
    drop(s);
    assert_eq!(fork.n_past().unwrap(), ids.len() as i64);
    assert_eq!(greedy_continuation(&mut fork, 6), want);

    let mut from_blob = model.session().unwrap();
    from_blob.load(&blob).unwrap();
    assert_eq!(greedy_continuation(&mut from_blob, 6), want);
    let mut from_file = model.session().unwrap();
    from_file.load_file(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(greedy_continuation(&mut from_file, 6), want);

    let mut corrupt = blob.clone();
    let mid = corrupt.len() / 2;
    corrupt[mid] ^= 0xff;
    let mut other = model.session().unwrap();
    other.eval(&ids[..2]).unwrap();
    assert!(other.load(&corrupt).is_err());
    assert!(other.load(&blob[..10]).is_err());
    assert!(other.load_file(scratch("missing.bin")).is_err());
    assert_eq!(other.n_past().unwrap(), 2);
}

#[test]
fn batch_decode_matches_one_token_evals() {
    let model = model();
    let mut sessions: Vec<Session> = ["Once upon a time", "The weather today", "In a galaxy"].iter().map(|p| {
        let mut s = model.session().unwrap();
        s.eval(&model.tokenize(p, true).unwrap()).unwrap();
        s
    }).collect();
    let mut singles: Vec<Session> = sessions.iter().map(|s| s.fork().unwrap()).collect();
    let tokens: Vec<i32> = sessions.iter_mut().map(|s| s.sample(&greedy(), false).unwrap()).collect();
    {
        let mut refs: Vec<&mut Session> = sessions.iter_mut().collect();
        gemmakit::batch_decode(&mut refs, &tokens).unwrap();
        assert!(gemmakit::batch_decode(&mut refs[..2], &tokens).is_err());
    }
    for ((s, single), t) in sessions.iter().zip(singles.iter_mut()).zip(&tokens) {
        let alone = single.eval(&[*t]).unwrap();
        let batched = s.last_logits().unwrap();
        assert_eq!(batched.len(), alone.len());
        let worst = batched.iter().zip(&alone).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(worst < 1e-3, "batched logits differ by {worst}");
        assert_eq!(s.n_past().unwrap(), single.n_past().unwrap());
    }
}

#[test]
fn kv_type_and_context_options() {
    let model = model();
    let ids = model.tokenize(&"a few words to fill the cache ".repeat(3), true).unwrap();
    let mut sizes = Vec::new();
    for kv_type in [KvType::F32, KvType::Bf16, KvType::Q8_0] {
        let options = SessionOptions { kv_type, ..Default::default() };
        let mut s = model.session_with(&options).unwrap();
        s.eval(&ids).unwrap();
        let bytes = s.kv_bytes().unwrap();
        assert_eq!(bytes, model.kv_bytes(ids.len() as i64, &options).unwrap());
        sizes.push(bytes);
    }
    assert!(sizes[2] < sizes[1] && sizes[1] < sizes[0], "{sizes:?}");
    let small = SessionOptions { context_length: 8, context_full: ContextFull::Stop, ..Default::default() };
    let mut s = model.session_with(&small).unwrap();
    let err = s.eval(&(2..14).collect::<Vec<i32>>()).unwrap_err();
    assert!(err.is_context_full());
    assert_eq!(s.n_past().unwrap(), 0);
}

#[test]
fn cancel_from_another_thread() {
    let model = model();
    let ids = model.tokenize("Tell me a story", true).unwrap();
    let mut s = model.session().unwrap();
    let canceller = s.canceller();
    canceller.cancel().unwrap();
    assert!(s.eval(&ids).unwrap_err().is_cancelled());
    s.eval(&ids).unwrap(); // usable again
    let opts = gemmakit::GenerateOptions { max_tokens: 1000, sampling: greedy(), ..Default::default() };
    s.begin_generate("", &opts).unwrap();
    assert!(!s.step(1, std::time::Duration::ZERO).unwrap().finished);
    let remote = canceller.clone();
    std::thread::spawn(move || remote.cancel().unwrap()).join().unwrap();
    let err = loop {
        match s.step(1, std::time::Duration::ZERO) {
            Ok(step) => assert!(!step.finished, "cancel was not seen"),
            Err(e) => break e,
        }
    };
    assert!(err.is_cancelled(), "{err}");
    assert!(s.n_past().unwrap() >= ids.len() as i64);
    drop(s);
    canceller.cancel().unwrap(); // the session is gone: nothing to do
}

#[test]
fn model_tooling() {
    let model = model();
    assert!(model.resolved_config().unwrap().starts_with("config_class "));
    let bos = model.info().unwrap().bos_id;
    assert_eq!(model.tokenize_with("<bos>", false, true).unwrap(), vec![bos]);
    assert_ne!(model.tokenize_with("<bos>", false, false).unwrap(), vec![bos]); // text, not the id
    let _ = gemmakit::kernels_used();
    let path = scratch("tiny.gguf");
    model.save_gguf(&path).unwrap();
    let again = Model::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(again.info().unwrap().vocab_size, model.info().unwrap().vocab_size);
}

#[test]
fn grammar_json_mode_and_logit_bias() {
    let model = model();
    let constrained = |sampling: SamplingParams| {
        let opts = gemmakit::GenerateOptions { max_tokens: 24, sampling, ..Default::default() };
        model.session().unwrap().generate("Answer:", &opts).and_then(|stream| stream.text())
    };
    let yes_no = SamplingParams { grammar: Some(r#"root ::= "yes" | "no""#.into()), ..greedy() };
    let text = constrained(yes_no).unwrap();
    assert!(text == "yes" || text == "no", "{text:?}");
    let json = constrained(SamplingParams { json_mode: true, ..greedy() }).unwrap();
    assert!(json.trim_start().starts_with('{'), "{json:?}");
    let bad = constrained(SamplingParams { grammar: Some("root ::= (".into()), ..greedy() }).unwrap_err();
    assert!(bad.message.contains("grammar"), "{bad}");

    let mut s = model.session().unwrap();
    s.eval(&model.tokenize("The quick brown fox", true).unwrap()).unwrap();
    let best = s.sample(&greedy(), false).unwrap();
    let banned = SamplingParams { logit_bias: vec![(best, f32::NEG_INFINITY)], ..greedy() };
    assert_ne!(s.sample(&banned, false).unwrap(), best);
}

#[test]
fn context_full_drop_oldest_keeps_the_system_prompt() {
    let model = model();
    let mut conv = vec![gemmakit::Message::system("You answer briefly.")];
    for i in 0..8 {
        conv.push(gemmakit::Message::user(&format!("Question number {i}: what is the colour of the sky?")));
        if i + 1 < 8 {
            conv.push(gemmakit::Message::new("model", &format!("Blue, as it was {i} times before.")));
        }
    }
    let opts = gemmakit::GenerateOptions { max_tokens: 8, sampling: greedy(), ..Default::default() };
    let stop = SessionOptions { context_length: 128, ..Default::default() };
    let err = model.session_with(&stop).unwrap().chat(&conv, &opts).and_then(|t| t.text()).unwrap_err();
    assert!(err.is_context_full(), "{err}");
    let drop = SessionOptions { context_full: ContextFull::DropOldest, ..stop };
    let mut s = model.session_with(&drop).unwrap();
    s.chat(&conv, &opts).unwrap().text().unwrap();
    let dropped = s.result().unwrap().n_dropped_messages;
    assert!(dropped > 0 && dropped % 2 == 0, "dropped {dropped}");
    assert!(s.n_past().unwrap() <= 128);
}
