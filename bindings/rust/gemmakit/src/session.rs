use std::ffi::CString;
use std::os::raw::{c_char, c_void};
use std::ptr::{self, NonNull};
use std::time::Duration;

use gemmakit_sys as sys;

use crate::error::{c_text, check, Error, Result};
use crate::audio::Audio;
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
pub(crate) struct CGenerate {
    _sampling: Box<sys::gemmakit_sampling_params>,
    _stop: Vec<CString>,
    _stop_ptrs: Vec<*const c_char>,
    pub(crate) params: sys::gemmakit_generate_params,
}

impl CGenerate {
    pub(crate) fn new(o: &GenerateOptions) -> Result<CGenerate> {
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

pub(crate) fn generation_of(g: &sys::gemmakit_generation) -> Generation {
    Generation {
        text: text_of(g.text, g.text_len),
        stop_reason: StopReason::from_c(g.stop_reason),
        n_tokens: g.n_tokens,
        n_prompt_tokens: g.n_prompt_tokens,
        prompt_seconds: g.prompt_seconds,
        decode_seconds: g.decode_seconds,
    }
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

    pub(crate) fn ptr(&self) -> *mut sys::gemmakit_session {
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
        Ok(generation_of(&g))
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
    /// An audio clip (Gemma 3n).
    Audio(&'a Audio),
}

/// A chat turn made of text, image and audio parts.
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

/// One item of a media list, for raw prompts and id lists ([`Session::generate_media`],
/// [`Session::eval_media`]).
#[derive(Clone, Copy)]
pub enum Media<'a> {
    Image(&'a Image),
    Audio(&'a Audio),
}

fn content_part(type_: i32, text: *const c_char, image: *const sys::gemmakit_image,
                audio: *const sys::gemmakit_audio) -> sys::gemmakit_content_part {
    sys::gemmakit_content_part {
        struct_size: std::mem::size_of::<sys::gemmakit_content_part>() as u32,
        type_,
        text,
        image,
        audio,
    }
}

impl Media<'_> {
    fn to_c(self) -> sys::gemmakit_content_part {
        match self {
            Media::Image(img) => content_part(sys::GEMMAKIT_PART_IMAGE, ptr::null(), img.raw(), ptr::null()),
            Media::Audio(clip) => content_part(sys::GEMMAKIT_PART_AUDIO, ptr::null(), ptr::null(), clip.raw()),
        }
    }
}

fn c_media(media: &[Media<'_>]) -> Vec<sys::gemmakit_content_part> {
    media.iter().map(|m| m.to_c()).collect()
}

/// Turns as the C array of content turns, with the strings and part arrays it points to (the
/// buffers of a CString and of an inner Vec do not move when they do). The library copies what
/// it keeps and shares the media, so this need only outlive the call.
struct CTurns {
    _strings: Vec<CString>,
    _parts: Vec<Vec<sys::gemmakit_content_part>>,
    turns: Vec<sys::gemmakit_content_turn>,
}

impl CTurns {
    fn new(turns: &[Turn<'_>]) -> Result<CTurns> {
        let mut strings = Vec::new();
        let mut all_parts = Vec::with_capacity(turns.len());
        let mut c_turns = Vec::with_capacity(turns.len());
        for t in turns {
            let parts: Vec<sys::gemmakit_content_part> = t
                .parts
                .iter()
                .map(|p| {
                    Ok(match p {
                        Part::Text(s) => {
                            let c = c_text(s)?;
                            let part = content_part(sys::GEMMAKIT_PART_TEXT, c.as_ptr(), ptr::null(), ptr::null());
                            strings.push(c);
                            part
                        }
                        Part::Image(img) => Media::Image(img).to_c(),
                        Part::Audio(clip) => Media::Audio(clip).to_c(),
                    })
                })
                .collect::<Result<_>>()?;
            let role = c_text(t.role)?;
            c_turns.push(sys::gemmakit_content_turn {
                struct_size: std::mem::size_of::<sys::gemmakit_content_turn>() as u32,
                role: role.as_ptr(),
                parts: parts.as_ptr(),
                n_parts: parts.len(),
            });
            strings.push(role);
            all_parts.push(parts);
        }
        Ok(CTurns { _strings: strings, _parts: all_parts, turns: c_turns })
    }
}

// Push chat with parts streams through the C call's callback: this hands each piece to the
// caller's closure. A panic in it must not unwind into C: it stops generation and is resumed
// once the C call has returned.
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
    /// The model's reply to a conversation whose turns hold text, images and audio clips, each
    /// piece handed to `on_text` as it becomes final (`false` stops). Media the session already
    /// holds from earlier turns are reused, not encoded again.
    pub fn chat_parts<F: FnMut(&str) -> bool>(&mut self, turns: &[Turn<'_>], options: &GenerateOptions,
                                              on_text: F) -> Result<Generation> {
        let c_turns = CTurns::new(turns)?;
        let mut c = CGenerate::new(options)?;
        let mut sink = TextSink { f: on_text, panic: None };
        c.params.on_text = Some(forward_text::<F>);
        c.params.user_data = &mut sink as *mut TextSink<F> as *mut c_void;
        let mut g: sys::gemmakit_generation = unsafe { std::mem::zeroed() };
        g.struct_size = std::mem::size_of::<sys::gemmakit_generation>() as u32;
        let status = unsafe {
            sys::gemmakit_session_chat_content(self.ptr(), c_turns.turns.as_ptr(), c_turns.turns.len(), &c.params,
                                               &mut g)
        };
        if let Some(payload) = sink.panic.take() {
            std::panic::resume_unwind(payload);
        }
        check(status)?;
        Ok(generation_of(&g))
    }

    /// Begins the model's reply to a conversation of text, image and audio parts; advance it with
    /// [`Session::step`]. The media may be dropped once this returns.
    pub fn begin_chat_parts(&mut self, turns: &[Turn<'_>], options: &GenerateOptions) -> Result<()> {
        let c_turns = CTurns::new(turns)?;
        let c = CGenerate::new(options)?;
        check(unsafe {
            sys::gemmakit_session_begin_chat_content(self.ptr(), c_turns.turns.as_ptr(), c_turns.turns.len(),
                                                     &c.params)
        })
    }

    /// Streams the model's reply to a conversation of text, image and audio parts.
    pub fn chat_parts_stream(&mut self, turns: &[Turn<'_>], options: &GenerateOptions) -> Result<TextStream<'_>> {
        self.begin_chat_parts(turns, options)?;
        Ok(TextStream { session: self, done: false })
    }

    /// Begins a raw continuation of `prompt` in which each `<start_of_image>` and
    /// `<start_of_audio>` stands for the next image or clip of `media` (in order, per kind).
    pub fn begin_generate_media(&mut self, prompt: &str, media: &[Media<'_>], options: &GenerateOptions)
                                -> Result<()> {
        let c = CGenerate::new(options)?;
        let prompt = c_text(prompt)?;
        let parts = c_media(media);
        check(unsafe {
            sys::gemmakit_session_begin_generate_content(self.ptr(), prompt.as_ptr(), parts.as_ptr(), parts.len(),
                                                         &c.params)
        })
    }

    /// Streams a raw continuation of `prompt` with images and audio clips (see
    /// [`Session::begin_generate_media`]).
    pub fn generate_media(&mut self, prompt: &str, media: &[Media<'_>], options: &GenerateOptions)
                          -> Result<TextStream<'_>> {
        self.begin_generate_media(prompt, media, options)?;
        Ok(TextStream { session: self, done: false })
    }

    fn eval_content(&mut self, ids: &[i32], media: &[Media<'_>], mode: i32) -> Result<(Vec<f32>, usize)> {
        let parts = c_media(media);
        check(unsafe {
            sys::gemmakit_session_eval_content(self.ptr(), ids.as_ptr(), ids.len(), parts.as_ptr(), parts.len(), mode)
        })?;
        let (mut logits, mut rows, mut vocab) = (ptr::null(), 0usize, 0usize);
        check(unsafe { sys::gemmakit_session_logits(self.ptr(), &mut logits, &mut rows, &mut vocab) })?;
        if logits.is_null() {
            return Ok((Vec::new(), vocab));
        }
        Ok((unsafe { std::slice::from_raw_parts(logits, rows * vocab) }.to_vec(), vocab))
    }

    /// [`Session::eval`] with images and audio clips: every run of a kind's placeholder id in
    /// `ids` ([`ImageInfo::image_token_id`](crate::ImageInfo), [`AudioInfo::audio_token_id`](crate::AudioInfo))
    /// takes the soft tokens of that kind's next item of `media`, in order. Returns the logits of
    /// the last id.
    pub fn eval_media(&mut self, ids: &[i32], media: &[Media<'_>]) -> Result<Vec<f32>> {
        Ok(self.eval_content(ids, media, sys::GEMMAKIT_LOGITS_LAST)?.0)
    }

    /// [`Session::eval_media`], returning the logits of every id (one row per id).
    pub fn eval_media_all(&mut self, ids: &[i32], media: &[Media<'_>]) -> Result<Vec<Vec<f32>>> {
        let (flat, vocab) = self.eval_content(ids, media, sys::GEMMAKIT_LOGITS_ALL)?;
        Ok(if vocab == 0 { Vec::new() } else { flat.chunks(vocab).map(<[f32]>::to_vec).collect() })
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
