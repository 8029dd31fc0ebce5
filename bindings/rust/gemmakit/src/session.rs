use std::ffi::CString;
use std::os::raw::{c_char, c_void};
use std::ptr::{self, NonNull};
use std::time::Duration;

use gemmakit_sys as sys;

use crate::error::{c_text, check, Error, Result};
use crate::image::Image;
use crate::model::Model;

/// One turn of a conversation. Roles: "system" (first only), "user", "assistant" or "model".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn new(role: &str, content: &str) -> Message {
        Message { role: role.to_string(), content: content.to_string() }
    }
    pub fn system(content: &str) -> Message {
        Message::new("system", content)
    }
    pub fn user(content: &str) -> Message {
        Message::new("user", content)
    }
    pub fn assistant(content: &str) -> Message {
        Message::new("assistant", content)
    }
}

/// Messages as the C array, with the NUL-terminated strings it points to.
pub(crate) struct CMessages {
    _strings: Vec<CString>,
    items: Vec<sys::gemmakit_chat_message>,
}

impl CMessages {
    pub(crate) fn new(messages: &[Message]) -> Result<CMessages> {
        let mut strings = Vec::with_capacity(messages.len() * 2);
        let mut items = Vec::with_capacity(messages.len());
        for m in messages {
            let role = c_text(&m.role)?;
            let content = c_text(&m.content)?;
            // CString's buffer does not move when the CString does.
            items.push(sys::gemmakit_chat_message { role: role.as_ptr(), content: content.as_ptr() });
            strings.push(role);
            strings.push(content);
        }
        Ok(CMessages { _strings: strings, items })
    }
    pub(crate) fn as_ptr(&self) -> *const sys::gemmakit_chat_message {
        self.items.as_ptr()
    }
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }
}

/// How the next token is drawn (defaults as in the C API). `temperature: 0.0` is greedy; `seed:
/// None` draws a random seed.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingParams {
    pub temperature: f32,
    pub top_k: i32,
    pub top_p: f32,
    pub min_p: f32,
    pub repeat_penalty: f32,
    pub repeat_last_n: i32,
    pub seed: Option<u64>,
}

impl Default for SamplingParams {
    fn default() -> Self {
        SamplingParams { temperature: 1.0, top_k: 64, top_p: 0.95, min_p: 0.0, repeat_penalty: 1.0, repeat_last_n: 64,
                         seed: None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
    pub max_tokens: i32,
    pub stop: Vec<String>,
    pub sampling: SamplingParams,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions { max_tokens: 256, stop: Vec::new(), sampling: SamplingParams::default() }
    }
}

/// The C params of one begin call and what they point to; they only need to live through that call.
struct CGenerate {
    _sampling: Box<sys::gemmakit_sampling_params>,
    _stop: Vec<CString>,
    _stop_ptrs: Vec<*const c_char>,
    params: sys::gemmakit_generate_params,
}

impl CGenerate {
    fn new(o: &GenerateOptions) -> Result<CGenerate> {
        let mut sampling: Box<sys::gemmakit_sampling_params> = Box::new(unsafe { std::mem::zeroed() });
        check(unsafe {
            sys::gemmakit_sampling_params_init(&mut *sampling, std::mem::size_of::<sys::gemmakit_sampling_params>())
        })?;
        let s = &o.sampling;
        sampling.temperature = s.temperature;
        sampling.top_k = s.top_k;
        sampling.top_p = s.top_p;
        sampling.min_p = s.min_p;
        sampling.repeat_penalty = s.repeat_penalty;
        sampling.repeat_last_n = s.repeat_last_n;
        sampling.seed = s.seed.unwrap_or(sys::GEMMAKIT_SEED_RANDOM);
        let stop = o.stop.iter().map(|s| c_text(s)).collect::<Result<Vec<_>>>()?;
        let stop_ptrs: Vec<*const c_char> = stop.iter().map(|s| s.as_ptr()).collect();
        let mut params: sys::gemmakit_generate_params = unsafe { std::mem::zeroed() };
        check(unsafe {
            sys::gemmakit_generate_params_init(&mut params, std::mem::size_of::<sys::gemmakit_generate_params>())
        })?;
        params.max_tokens = o.max_tokens;
        params.sampling = &*sampling;
        params.stop = if stop_ptrs.is_empty() { ptr::null() } else { stop_ptrs.as_ptr() };
        params.n_stop = stop_ptrs.len();
        Ok(CGenerate { _sampling: sampling, _stop: stop, _stop_ptrs: stop_ptrs, params })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    EndOfTurn,
    MaxTokens,
    StopString,
    Callback,
    ContextFull,
}

impl StopReason {
    fn from_c(v: i32) -> StopReason {
        match v {
            0 => StopReason::EndOfTurn,
            1 => StopReason::MaxTokens,
            2 => StopReason::StopString,
            3 => StopReason::Callback,
            _ => StopReason::ContextFull,
        }
    }
}

/// The totals of a generation.
#[derive(Debug, Clone)]
pub struct Generation {
    pub text: String,
    pub stop_reason: StopReason,
    pub n_tokens: i32,
    pub n_prompt_tokens: i64,
    pub prompt_seconds: f64,
    pub decode_seconds: f64,
}

/// What one [`Session::step`] produced.
#[derive(Debug, Clone)]
pub struct Step {
    pub text: String,
    pub n_tokens: i32,
    pub finished: bool,
}

/// One conversation: KV cache, sampler state. `Send` (move it to another thread), not `Sync`
/// (the C contract: one thread at a time).
pub struct Session {
    raw: NonNull<sys::gemmakit_session>,
    _model: Model,
}

unsafe impl Send for Session {}

impl Drop for Session {
    fn drop(&mut self) {
        unsafe { sys::gemmakit_session_free(self.raw.as_ptr()) }
    }
}

fn text_of(p: *const c_char, len: usize) -> String {
    if p.is_null() || len == 0 {
        return String::new();
    }
    String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(p as *const u8, len) }).into_owned()
}

impl Session {
    /// `n_threads` 0: one per core; `context_length` 0: the model's.
    pub fn new(model: &Model, n_threads: i32, context_length: i64) -> Result<Session> {
        let mut p: sys::gemmakit_session_params = unsafe { std::mem::zeroed() };
        check(unsafe {
            sys::gemmakit_session_params_init(&mut p, std::mem::size_of::<sys::gemmakit_session_params>())
        })?;
        p.n_threads = n_threads;
        p.context_length = context_length;
        let mut raw = ptr::null_mut();
        check(unsafe { sys::gemmakit_session_create(model.raw(), &p, &mut raw) })?;
        let raw = NonNull::new(raw).ok_or_else(|| Error::invalid("session_create returned NULL"))?;
        Ok(Session { raw, _model: model.clone() })
    }

    fn ptr(&self) -> *mut sys::gemmakit_session {
        self.raw.as_ptr()
    }

    pub fn reset(&mut self) -> Result<()> {
        check(unsafe { sys::gemmakit_session_reset(self.ptr()) })
    }

    pub fn n_past(&self) -> Result<i64> {
        let mut n = 0i64;
        check(unsafe { sys::gemmakit_session_n_past(self.ptr(), &mut n) })?;
        Ok(n)
    }

    /// Evaluates ids after the session's tokens and returns the logits of the last one.
    pub fn eval(&mut self, ids: &[i32]) -> Result<Vec<f32>> {
        check(unsafe { sys::gemmakit_session_eval(self.ptr(), ids.as_ptr(), ids.len(), 0) })?;
        let (mut logits, mut rows, mut vocab) = (ptr::null(), 0usize, 0usize);
        check(unsafe { sys::gemmakit_session_logits(self.ptr(), &mut logits, &mut rows, &mut vocab) })?;
        Ok(unsafe { std::slice::from_raw_parts(logits, vocab) }.to_vec())
    }

    /// Begins a raw continuation of `prompt`; advance it with [`Session::step`].
    pub fn begin_generate(&mut self, prompt: &str, options: &GenerateOptions) -> Result<()> {
        let c = CGenerate::new(options)?;
        let prompt = c_text(prompt)?;
        check(unsafe { sys::gemmakit_session_begin_generate(self.ptr(), prompt.as_ptr(), &c.params) })
    }

    /// Begins the model's reply to the conversation; tokens the session holds that match are reused.
    pub fn begin_chat(&mut self, messages: &[Message], options: &GenerateOptions) -> Result<()> {
        let c = CGenerate::new(options)?;
        let m = CMessages::new(messages)?;
        check(unsafe { sys::gemmakit_session_begin_chat(self.ptr(), m.as_ptr(), m.len(), &c.params) })
    }

    /// Advances the begun generation: at most `max_tokens` tokens (0: no limit) and, past the first
    /// unit of work, no longer than `budget` (zero: no limit). For frame loops.
    pub fn step(&mut self, max_tokens: i32, budget: Duration) -> Result<Step> {
        let mut c: sys::gemmakit_chunk = unsafe { std::mem::zeroed() };
        c.struct_size = std::mem::size_of::<sys::gemmakit_chunk>() as u32;
        check(unsafe { sys::gemmakit_session_step(self.ptr(), max_tokens, budget.as_secs_f64(), &mut c) })?;
        Ok(Step { text: text_of(c.text, c.text_len), n_tokens: c.n_tokens, finished: c.finished != 0 })
    }

    /// Totals of the generation begun last.
    pub fn result(&mut self) -> Result<Generation> {
        let mut g: sys::gemmakit_generation = unsafe { std::mem::zeroed() };
        g.struct_size = std::mem::size_of::<sys::gemmakit_generation>() as u32;
        check(unsafe { sys::gemmakit_session_step_result(self.ptr(), &mut g) })?;
        Ok(Generation {
            text: text_of(g.text, g.text_len),
            stop_reason: StopReason::from_c(g.stop_reason),
            n_tokens: g.n_tokens,
            n_prompt_tokens: g.n_prompt_tokens,
            prompt_seconds: g.prompt_seconds,
            decode_seconds: g.decode_seconds,
        })
    }

    /// Streams a raw continuation of `prompt`: an iterator of text pieces as they become final.
    pub fn generate(&mut self, prompt: &str, options: &GenerateOptions) -> Result<TextStream<'_>> {
        self.begin_generate(prompt, options)?;
        Ok(TextStream { session: self, done: false })
    }

    /// Streams the model's reply to the conversation.
    pub fn chat(&mut self, messages: &[Message], options: &GenerateOptions) -> Result<TextStream<'_>> {
        self.begin_chat(messages, options)?;
        Ok(TextStream { session: self, done: false })
    }

    /// Generates, handing each piece to `on_text`; returning `false` stops early. Returns the totals.
    pub fn generate_with<F: FnMut(&str) -> bool>(&mut self, prompt: &str, options: &GenerateOptions,
                                                  mut on_text: F) -> Result<Generation> {
        self.begin_generate(prompt, options)?;
        loop {
            let s = self.step(1, Duration::ZERO)?;
            if !s.text.is_empty() && !on_text(&s.text) {
                break;
            }
            if s.finished {
                break;
            }
        }
        self.result()
    }
}

/// One part of a chat turn.
#[derive(Clone, Copy)]
pub enum Part<'a> {
    Text(&'a str),
    Image(&'a Image),
}

/// A chat turn made of text and image parts.
#[derive(Clone)]
pub struct Turn<'a> {
    pub role: &'a str,
    pub parts: Vec<Part<'a>>,
}

impl<'a> Turn<'a> {
    pub fn new(role: &'a str, parts: Vec<Part<'a>>) -> Turn<'a> {
        Turn { role, parts }
    }
}

// Images come through the one-call C chat, which streams through a callback: this hands each
// piece to the caller's closure. A panic in it must not unwind into C: it stops generation and
// is resumed once the C call has returned.
struct TextSink<F> {
    f: F,
    panic: Option<Box<dyn std::any::Any + Send>>,
}

unsafe extern "C" fn forward_text<F: FnMut(&str) -> bool>(text: *const c_char, len: usize, user: *mut c_void) -> i32 {
    let sink = &mut *(user as *mut TextSink<F>);
    if sink.panic.is_some() {
        return 1;
    }
    let piece = text_of(text, len);
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (sink.f)(&piece))) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(payload) => {
            sink.panic = Some(payload);
            1
        }
    }
}

impl Session {
    /// The model's reply to a conversation whose turns hold text and images, each piece handed to
    /// `on_text` as it becomes final (`false` stops). Images the session already holds from
    /// earlier turns are reused, not encoded again.
    pub fn chat_parts<F: FnMut(&str) -> bool>(&mut self, turns: &[Turn<'_>], options: &GenerateOptions,
                                              on_text: F) -> Result<Generation> {
        let roles = turns.iter().map(|t| c_text(t.role)).collect::<Result<Vec<_>>>()?;
        let texts = turns
            .iter()
            .map(|t| {
                t.parts
                    .iter()
                    .map(|p| match p {
                        Part::Text(s) => c_text(s).map(Some),
                        Part::Image(_) => Ok(None),
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .collect::<Result<Vec<_>>>()?;
        let parts: Vec<Vec<sys::gemmakit_chat_part>> = turns
            .iter()
            .zip(&texts)
            .map(|(t, tx)| {
                t.parts
                    .iter()
                    .zip(tx)
                    .map(|(p, text)| match p {
                        Part::Text(_) => sys::gemmakit_chat_part {
                            type_: sys::GEMMAKIT_PART_TEXT,
                            text: text.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
                            image: ptr::null(),
                        },
                        Part::Image(img) => sys::gemmakit_chat_part {
                            type_: sys::GEMMAKIT_PART_IMAGE,
                            text: ptr::null(),
                            image: img.raw(),
                        },
                    })
                    .collect()
            })
            .collect();
        let c_turns: Vec<sys::gemmakit_chat_turn> = roles
            .iter()
            .zip(&parts)
            .map(|(r, p)| sys::gemmakit_chat_turn { role: r.as_ptr(), parts: p.as_ptr(), n_parts: p.len() })
            .collect();
        let mut c = CGenerate::new(options)?;
        let mut sink = TextSink { f: on_text, panic: None };
        c.params.on_text = Some(forward_text::<F>);
        c.params.user_data = &mut sink as *mut TextSink<F> as *mut c_void;
        let mut g: sys::gemmakit_generation = unsafe { std::mem::zeroed() };
        g.struct_size = std::mem::size_of::<sys::gemmakit_generation>() as u32;
        let status =
            unsafe { sys::gemmakit_session_chat_parts(self.ptr(), c_turns.as_ptr(), c_turns.len(), &c.params, &mut g) };
        if let Some(payload) = sink.panic.take() {
            std::panic::resume_unwind(payload);
        }
        check(status)?;
        Ok(Generation {
            text: text_of(g.text, g.text_len),
            stop_reason: StopReason::from_c(g.stop_reason),
            n_tokens: g.n_tokens,
            n_prompt_tokens: g.n_prompt_tokens,
            prompt_seconds: g.prompt_seconds,
            decode_seconds: g.decode_seconds,
        })
    }
}

/// Text pieces of a generation, pulled one token at a time.
pub struct TextStream<'a> {
    session: &'a mut Session,
    done: bool,
}

impl TextStream<'_> {
    /// Everything that is left, concatenated.
    pub fn text(self) -> Result<String> {
        self.collect()
    }
}

impl Iterator for TextStream<'_> {
    type Item = Result<String>;

    fn next(&mut self) -> Option<Result<String>> {
        while !self.done {
            match self.session.step(1, Duration::ZERO) {
                Ok(s) => {
                    self.done = s.finished;
                    if !s.text.is_empty() {
                        return Some(Ok(s.text));
                    }
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}
