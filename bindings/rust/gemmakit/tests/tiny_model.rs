// The safe wrapper on the tiny test model (tests/data/gemma3-tiny, random weights: gibberish
// text; the tests compare paths through the API with each other).
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gemmakit::{Audio, GenerateOptions, LogLevel, Media, Message, Model, Part, SamplingParams, Session, StopReason, Turn};

fn model_dir() -> PathBuf {
    match std::env::var("GEMMAKIT_TEST_DATA") {
        Ok(d) => PathBuf::from(d).join("gemma3-tiny"),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../tests/data/gemma3-tiny"),
    }
}

fn greedy(max_tokens: i32) -> GenerateOptions {
    let sampling = SamplingParams { temperature: Some(0.0), ..Default::default() };
    GenerateOptions { max_tokens, sampling, ..Default::default() }
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
        sampling: SamplingParams { temperature: Some(0.8), seed: Some(11), ..Default::default() },
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
    let sampling = SamplingParams { temperature: Some(-1.0), ..Default::default() };
    let bad = GenerateOptions { sampling, ..Default::default() };
    let e = model.session().unwrap().generate("x", &bad).err().unwrap();
    assert!(e.message.contains("temperature"), "{}", e);
    let mut small = Session::new(&model, 1, 4).unwrap();
    assert!(small.generate("a prompt far longer than four tokens", &greedy(2)).err().unwrap().is_context_full());
    assert!(model.detokenize(&[1 << 30]).is_err());
}

/// A copy of the tiny model with a generation_config.json as transformers writes one for greedy
/// decoding (do_sample false), with a top_k that applies once a caller turns sampling on.
fn advised_greedy_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gemmakit-rust-advice-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(model_dir()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    std::fs::write(dir.join("generation_config.json"), r#"{"do_sample": false, "top_k": 20}"#).unwrap();
    dir
}

#[test]
fn the_models_recommended_sampling_fills_what_the_caller_leaves_out() {
    let dir = advised_greedy_dir();
    let advised = Model::load(&dir).unwrap();
    let model = Model::load(model_dir()).unwrap();
    let advice = advised.recommended_sampling().unwrap();
    assert_eq!((advice.temperature, advice.top_k, advice.top_p), (Some(0.0), Some(20), Some(0.95)));
    assert_eq!((advice.seed, advice.json_mode), (None, false));
    // GEMMAKIT_SAMPLING_TEMPERATURE | GEMMAKIT_SAMPLING_TOP_K
    assert_eq!(advised.info().unwrap().recommended_sampling, 1 | 2);
    assert_eq!(model.info().unwrap().recommended_sampling, 0);
    assert_eq!(model.recommended_sampling().unwrap().top_k, Some(64));

    let text = |m: &Model, sampling: SamplingParams| {
        let opts = GenerateOptions { max_tokens: 12, sampling, ..Default::default() };
        m.session().unwrap().generate("Once upon a time", &opts).unwrap().text().unwrap()
    };
    let greedy = text(&advised, SamplingParams { temperature: Some(0.0), ..Default::default() });
    assert_eq!(text(&advised, SamplingParams::default()), greedy);
    assert_eq!(text(&advised, SamplingParams { seed: Some(1), ..Default::default() }), greedy);
    // The caller's temperature wins; the model's top_k still applies (same weights as `model`).
    let sampled = text(&advised, SamplingParams { temperature: Some(1.0), seed: Some(1), ..Default::default() });
    assert_ne!(sampled, greedy);
    let explicit = SamplingParams { temperature: Some(1.0), top_k: Some(20), seed: Some(1), ..Default::default() };
    assert_eq!(sampled, text(&model, explicit));

    let mut s = advised.session().unwrap();
    let logits = s.eval(&advised.tokenize("Once upon a time", true).unwrap()).unwrap();
    let best = (0..logits.len()).max_by(|&a, &b| logits[a].total_cmp(&logits[b]).then(b.cmp(&a))).unwrap();
    assert_eq!(s.sample(&SamplingParams::default(), false).unwrap(), best as i32);
    std::fs::remove_dir_all(&dir).unwrap();
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
fn weights_converted_at_load_by_name() {
    // The library's table of type names: "q8_0" converts the matrices; an unknown name lists the known ones.
    let options = gemmakit::LoadOptions { weight_type: Some("q8_0".into()), ..Default::default() };
    let model = Model::load_with(model_dir(), &options).unwrap();
    assert_eq!(model.info().unwrap().weight_type, "Q8_0");
    let options = gemmakit::LoadOptions { weight_type: Some("q9".into()), ..Default::default() };
    let err = Model::load_with(model_dir(), &options).err().expect("an unknown type must fail");
    assert!(err.to_string().contains("q4_k_m"), "{err}");
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

// Audio on tests/data/gemma3n-audio-tiny (a tiny random Gemma 3n with an audio tower) and its
// golden.json: case "audio_question" is a chat turn [speech.wav, question] as ids (32 audio
// placeholders), the reference's logits at every position and its greedy continuation.
struct AudioGolden {
    ids: Vec<i32>,
    greedy_ids: Vec<i32>,
    logits: Vec<Vec<f32>>,
    tolerance: f32,
}

/// The integers of the JSON array under `key`, the first one after `from` (no JSON crate offline).
fn json_ints(text: &str, from: usize, key: &str) -> Vec<i32> {
    let at = from + text[from..].find(&format!("\"{key}\"")).unwrap_or_else(|| panic!("no {key}"));
    let open = at + text[at..].find('[').unwrap();
    let close = open + text[open..].find(']').unwrap();
    text[open + 1..close].split(',').map(|v| v.trim().parse().unwrap()).collect()
}

fn audio_golden() -> AudioGolden {
    let dir = data_dir("gemma3n-audio-tiny");
    let text = std::fs::read_to_string(dir.join("golden.json")).unwrap();
    let case = text.find("\"audio_question\"").expect("case audio_question");
    let ids = json_ints(&text, case, "ids");
    let greedy_ids = json_ints(&text, case, "greedy_ids");
    let shape = json_ints(&text, case, "shape");
    let (rows, vocab) = (shape[0] as usize, shape[1] as usize);
    let raw = std::fs::read(dir.join("audio_question.logits.f32")).unwrap();
    assert_eq!(raw.len(), 4 * rows * vocab);
    assert_eq!(rows, ids.len());
    let flat: Vec<f32> = raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let tol_at = text.find("\"tolerance_abs\"").unwrap();
    let tol_text = text[tol_at..].split(':').nth(1).unwrap().split(',').next().unwrap().trim();
    AudioGolden {
        ids,
        greedy_ids,
        logits: flat.chunks(vocab).map(<[f32]>::to_vec).collect(),
        tolerance: tol_text.parse().unwrap(),
    }
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn eval_with_audio_matches_the_golden_logits() {
    let g = audio_golden();
    let dir = data_dir("gemma3n-audio-tiny");
    let model = Model::load(&dir).unwrap();
    let info = model.audio_info().unwrap();
    assert_eq!((info.audio_token_id, info.tokens_per_clip), (770, 32));
    assert!(info.window_seconds > 0.0);
    let path = dir.join("speech.wav");
    let clip = Audio::load(&path).unwrap();
    assert!((57000..=58200).contains(&clip.n_samples()), "{} samples", clip.n_samples()); // 3.6 s at 16 kHz
    assert!((clip.duration_seconds() - clip.n_samples() as f64 / 16000.0).abs() < 1e-9);
    let decoded = Audio::decode(&std::fs::read(&path).unwrap()).unwrap();
    let from_pcm = Audio::from_pcm_f32(clip.samples(), 16000, 1).unwrap();
    for (name, a) in [("file", &clip), ("bytes", &decoded), ("pcm", &from_pcm)] {
        assert_eq!(a.samples(), clip.samples(), "{name}");
        let rows = model.session().unwrap().eval_media_all(&g.ids, &[Media::Audio(a)]).unwrap();
        assert_eq!(rows.len(), g.logits.len(), "{name}");
        for (r, (got, want)) in rows.iter().zip(&g.logits).enumerate() {
            let d = max_diff(got, want);
            assert!(d <= g.tolerance, "{name}: position {r} differs from the golden logits by {d}");
        }
    }
    let mut s = model.session().unwrap();
    let last = s.eval_media(&g.ids, &[Media::Audio(&clip)]).unwrap();
    assert!(max_diff(&last, g.logits.last().unwrap()) <= g.tolerance);
    assert_eq!(s.n_past().unwrap(), g.ids.len() as i64);
}

/// The text of ids, those past the tokenizer's pieces (the golden continuation has one: generated,
/// but no text) left out.
fn text_of(model: &Model, ids: &[i32]) -> String {
    ids.iter().filter_map(|&id| model.detokenize(&[id]).ok()).collect()
}

#[test]
fn chat_with_audio_gives_the_golden_reply() {
    let g = audio_golden();
    let dir = data_dir("gemma3n-audio-tiny");
    let model = Model::load(&dir).unwrap();
    let clip = Audio::load(dir.join("speech.wav")).unwrap();
    // The question is the text between "<end_of_audio>\n\n" and "<end_of_turn>".
    let start = g.ids.iter().position(|&id| id == 769).unwrap() + 3;
    let end = g.ids.iter().position(|&id| id == 5).unwrap();
    let question = model.detokenize(&g.ids[start..end]).unwrap();
    assert!(!question.is_empty());
    let want = text_of(&model, &g.greedy_ids);
    let n = g.greedy_ids.len() as i32;
    let turns = vec![Turn::new("user", vec![Part::Audio(&clip), Part::Text(&question)])];

    let mut pieces = String::new();
    let mut s = model.session().unwrap();
    let pushed = s.chat_parts(&turns, &greedy(n), |t| {
        pieces.push_str(t);
        true
    }).unwrap();
    assert!(!pushed.text.is_empty());
    assert_eq!(pushed.text, want);
    assert_eq!(pieces, pushed.text);
    assert_eq!(pushed.n_prompt_tokens, g.ids.len() as i64);
    assert_eq!(pushed.n_tokens, n);
    // A follow-up turn reuses the clip the session holds.
    let mut follow = turns.clone();
    follow.push(Turn::new("model", vec![Part::Text(&pushed.text)]));
    follow.push(Turn::new("user", vec![Part::Text("And?")]));
    let second = s.chat_parts(&follow, &greedy(2), |_| true).unwrap();
    assert!(second.n_prompt_tokens > 0 && second.n_prompt_tokens < g.ids.len() as i64, "{}", second.n_prompt_tokens);

    let pulled = model.session().unwrap().chat_parts_stream(&turns, &greedy(n)).unwrap().text().unwrap();
    assert_eq!(pulled, want);
    let prompt = format!("<start_of_turn>user\n<start_of_audio>{question}<end_of_turn>\n<start_of_turn>model\n");
    let generated =
        model.session().unwrap().generate_media(&prompt, &[Media::Audio(&clip)], &greedy(n)).unwrap().text().unwrap();
    assert_eq!(generated, want);

    // The session shares the clip: dropping it after begin leaves nothing dangling.
    let mut late = model.session().unwrap();
    let own = clip.clone();
    late.begin_chat_parts(&[Turn::new("user", vec![Part::Audio(&own), Part::Text(&question)])], &greedy(n)).unwrap();
    drop(own);
    let mut text = String::new();
    loop {
        let step = late.step(0, Duration::ZERO).unwrap();
        text.push_str(&step.text);
        if step.finished {
            break;
        }
    }
    assert_eq!(text, want);
}

#[test]
fn audio_on_a_text_only_model_is_unsupported() {
    let clip = Audio::load(data_dir("gemma3n-audio-tiny").join("speech.wav")).unwrap();
    let text_only = Model::load(model_dir()).unwrap();
    assert!(text_only.audio_info().unwrap_err().is_unsupported());
    let mut s = text_only.session().unwrap();
    let turns = [Turn::new("user", vec![Part::Audio(&clip), Part::Text("What is said?")])];
    let err = s.chat_parts(&turns, &greedy(2), |_| true).unwrap_err();
    assert!(err.is_unsupported(), "{err}");
    assert!(!err.message.is_empty());
    assert_eq!(s.n_past().unwrap(), 0);
    let err = match s.generate_media("<start_of_audio>", &[Media::Audio(&clip)], &greedy(2)) {
        Err(e) => e,
        Ok(stream) => stream.text().unwrap_err(),
    };
    assert!(err.is_unsupported(), "{err}");
    assert_eq!(Audio::load("/nonexistent/gemmakit/speech.wav").err().unwrap().status, -2);
    assert!(Audio::decode(b"RIFF\0\0\0\0WAVE not really").is_err());
}

#[test]
fn audio_from_pcm() {
    let i16 = Audio::from_pcm_i16(&[16384, -16384, 0, 32767], 16000, 1).unwrap();
    let want = [0.5, -0.5, 0.0, 32767.0 / 32768.0];
    assert!(max_diff(i16.samples(), &want) < 1e-6, "{:?}", i16.samples());
    let stereo: Vec<f32> = (0..800).flat_map(|_| [0.25f32, 0.75]).collect();
    let mixed = Audio::from_pcm_f32(&stereo, 16000, 2).unwrap();
    assert_eq!(mixed.n_samples(), 800);
    assert!((mixed.samples()[400] - 0.5).abs() < 1e-6);
    let low = Audio::from_pcm_i16(&vec![0i16; 8000], 8000, 1).unwrap();
    assert!((15990..=16010).contains(&low.n_samples()), "8 kHz second resampled to {}", low.n_samples());
    assert_eq!(Audio::from_pcm_f32(&[0.0; 3], 16000, 2).err().unwrap().status, -1); // a partial frame
    assert_eq!(Audio::from_pcm_f32(&[0.0; 16], 16000, 0).err().unwrap().status, -1);
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Audio>();
}

#[test]
fn score_matches_the_logits_of_eval() {
    let model = Model::load(model_dir()).unwrap();
    let prompt = model.tokenize("The quick brown fox", true).unwrap();
    let cont = model.tokenize(" jumps over", false).unwrap();
    let logits = model.session().unwrap().eval(&prompt).unwrap();
    let top = logits.iter().cloned().fold(f32::MIN, f32::max) as f64;
    let log_sum: f64 = logits.iter().map(|&v| (v as f64 - top).exp()).sum::<f64>().ln();
    let want = logits[cont[0] as usize] as f64 - top - log_sum;

    let mut session = model.session().unwrap();
    let scores = session.score(&prompt, &[&cont, &cont[..1]], &[cont[0]]).unwrap();
    assert_eq!(session.n_past().unwrap(), prompt.len() as i64);
    let first = &scores.continuations[0];
    assert_eq!(first.token_logprobs.len(), cont.len());
    assert!((first.token_logprobs[0] - want).abs() < 1e-6);
    assert!((scores.next_tokens[0] - want).abs() < 1e-6);
    assert!((first.logprob - first.token_logprobs.iter().sum::<f64>()).abs() < 1e-9);
    assert_eq!(scores.continuations[1].token_logprobs[..], first.token_logprobs[..1]);
    let err = model.session().unwrap().score(&prompt, &[&[100000]], &[]).unwrap_err();
    assert_eq!(err.status, -1);
}

#[test]
fn shieldgemma_classify_matches_the_golden() {
    let dir = model_dir().join("../shieldgemma-tiny");
    let user = "Explain how vaccines train the immune system.";
    let prompt = gemmakit::shieldgemma_prompt(user, &["sexual", "dangerous"], &[]).unwrap();
    assert!(prompt.starts_with("You are a policy expert"));
    assert!(prompt.contains("\n* \"No Dangerous Content\""));
    let model = Model::load(dir).unwrap();
    let p_yes = model.shieldgemma_classify(user, &["sexual", "dangerous"], &[], 0).unwrap();
    assert!((p_yes - 0.3892505).abs() < 1e-3, "P(Yes) {}", p_yes);
    assert!(model.shieldgemma_classify(user, &["violence"], &[], 0).is_err());
}

fn read_f32(path: &std::path::Path) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap();
    bytes.chunks(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

#[test]
fn embed_matches_the_golden_and_truncates() {
    let dir = model_dir().parent().unwrap().join("embeddinggemma-tiny");
    let model = Model::load(&dir).unwrap();
    assert_eq!(model.embedding_dim().unwrap(), 64);
    // golden.json's case query_planet: the "query" prompt before the text.
    let want = read_f32(&dir.join("query_planet.embedding.f32"));
    let query = gemmakit::EmbedOptions { prompt_name: Some("query".into()), ..Default::default() };
    let rows = model.embed(&["Which planet is known as the Red Planet?", "Hello"], &query).unwrap();
    assert_eq!(rows.len(), 2);
    let diff = rows[0].iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    assert!(diff < 1e-5, "max difference {}", diff);
    let short = gemmakit::EmbedOptions { dim: 16, ..query.clone() };
    let cut = model.embed(&["Which planet is known as the Red Planet?"], &short).unwrap();
    let norm: f32 = want[..16].iter().map(|v| v * v).sum::<f32>().sqrt();
    for (a, b) in cut[0].iter().zip(&want[..16]) {
        assert!((a - b / norm).abs() < 1e-5);
    }
    let bad = gemmakit::EmbedOptions { prompt_name: Some("no such prompt".into()), ..Default::default() };
    assert!(model.embed(&["x"], &bad).is_err());
    // A causal model computes no embeddings.
    let causal = Model::load(model_dir()).unwrap();
    assert!(causal.embed(&["Hello"], &Default::default()).unwrap_err().is_unsupported());
}
