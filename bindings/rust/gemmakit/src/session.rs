use std::ffi::CString;
use std::os::raw::{c_char, c_void};
use std::ptr::{self, NonNull};
use std::time::Duration;

use gemmakit_sys as sys;

use crate::error::{c_text, check, Error, Result};
use crate::audio::Audio;
use crate::image::Image;
use crate::adapter::Adapter;
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

/// How the next token is drawn. `temperature`, `top_k`, `top_p`, `min_p`, `repeat_penalty` and
/// `repeat_last_n` left `None` take the model's recommended value ([`Model::recommended_sampling`]:
/// generation_config.json, GGUF general.sampling.*), else gemmakit's default (temperature 1, top-k
/// 64, top-p 0.95, min-p 0, repeat penalty 1 over the last 64 tokens). `temperature: Some(0.0)` is
/// greedy; `seed: None` draws a random seed. `logit_bias`: (token, bias) pairs added to the logits
/// first (`f32::NEG_INFINITY` bans a token). At most one of `grammar` (GBNF text, start rule
/// `grammar_root` or "root"), `json_schema` (a JSON schema as text) and `json_mode` (any JSON
/// object) constrains the text drawn.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SamplingParams {
    pub temperature: Option<f32>,
    pub top_k: Option<i32>,
    pub top_p: Option<f32>,
    pub min_p: Option<f32>,
    pub repeat_penalty: Option<f32>,
    pub repeat_last_n: Option<i32>,
    pub seed: Option<u64>,
    pub logit_bias: Vec<(i32, f32)>,
    pub grammar: Option<String>,
    pub grammar_root: Option<String>,
    pub json_schema: Option<String>,
    pub json_mode: bool,
}

/// gemmakit_sampling_params and the bias array and strings it points to (heap data: moving this
/// keeps the pointers valid).
pub(crate) struct CSampling {
    pub(crate) c: sys::gemmakit_sampling_params,
    _bias: Vec<sys::gemmakit_logit_bias>,
    _texts: Vec<CString>,
}

/// The model's recommended sampling as the C struct (gemmakit's defaults where it recommends none).
pub(crate) fn model_sampling(model: &Model) -> Result<sys::gemmakit_sampling_params> {
    let mut c: sys::gemmakit_sampling_params = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<sys::gemmakit_sampling_params>();
    check(unsafe { sys::gemmakit_sampling_params_from_model(model.raw(), &mut c, size) })?;
    Ok(c)
}

impl SamplingParams {
    /// The C params, with the model's recommendation for the fields left `None`.
    pub(crate) fn to_c(&self, model: &Model) -> Result<CSampling> {
        let mut c = model_sampling(model)?;
        c.temperature = self.temperature.unwrap_or(c.temperature);
        c.top_k = self.top_k.unwrap_or(c.top_k);
        c.top_p = self.top_p.unwrap_or(c.top_p);
        c.min_p = self.min_p.unwrap_or(c.min_p);
        c.repeat_penalty = self.repeat_penalty.unwrap_or(c.repeat_penalty);
        c.repeat_last_n = self.repeat_last_n.unwrap_or(c.repeat_last_n);
        c.seed = self.seed.unwrap_or(sys::GEMMAKIT_SEED_RANDOM);
        let bias: Vec<sys::gemmakit_logit_bias> =
            self.logit_bias.iter().map(|&(token, bias)| sys::gemmakit_logit_bias { token, bias }).collect();
        if !bias.is_empty() {
            c.logit_bias = bias.as_ptr();
            c.n_logit_bias = bias.len();
        }
        let mut texts = Vec::new();
        for (field, value) in [(&mut c.grammar, &self.grammar), (&mut c.grammar_root, &self.grammar_root),
                               (&mut c.json_schema, &self.json_schema)] {
            if let Some(v) = value {
                let text = c_text(v)?;
                *field = text.as_ptr();
                texts.push(text);
            }
        }
        c.json_mode = self.json_mode as i32;
        Ok(CSampling { c, _bias: bias, _texts: texts })
    }
}

/// `sampling`'s fields left `None` take the model's recommendation (see [`SamplingParams`]).
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
    _sampling: Box<CSampling>,
    _stop: Vec<CString>,
    _stop_ptrs: Vec<*const c_char>,
    pub(crate) params: sys::gemmakit_generate_params,
}

impl CGenerate {
    pub(crate) fn new(o: &GenerateOptions, model: &Model) -> Result<CGenerate> {
        let sampling = Box::new(o.sampling.to_c(model)?);
        let stop = o.stop.iter().map(|s| c_text(s)).collect::<Result<Vec<_>>>()?;
        let stop_ptrs: Vec<*const c_char> = stop.iter().map(|s| s.as_ptr()).collect();
        let mut params: sys::gemmakit_generate_params = unsafe { std::mem::zeroed() };
        check(unsafe {
            sys::gemmakit_generate_params_init(&mut params, std::mem::size_of::<sys::gemmakit_generate_params>())
        })?;
        params.max_tokens = o.max_tokens;
        params.sampling = &sampling.c;
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
    /// Oldest messages chat left out to fit (ContextFull::DropOldest).
    pub n_dropped_messages: i64,
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
    cancel: std::sync::Arc<crate::state::CancelTarget>,
}

unsafe impl Send for Session {}

impl Drop for Session {
    fn drop(&mut self) {
        self.cancel.detach(); // waits for a cancel in flight; later ones do nothing
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
        n_dropped_messages: g.n_dropped_messages,
    }
}

impl Session {
    /// `n_threads` 0: one per core; `context_length` 0: the model's.
    pub fn new(model: &Model, n_threads: i32, context_length: i64) -> Result<Session> {
        let options = crate::SessionOptions { n_threads, context_length, ..Default::default() };
        Session::with_options(model, &options)
    }

    /// A session with all of gemmakit_session_params' options (KV type, context policy).
    pub fn with_options(model: &Model, options: &crate::SessionOptions) -> Result<Session> {
        let p = options.to_c()?;
        let mut raw = ptr::null_mut();
        check(unsafe { sys::gemmakit_session_create(model.raw(), &p, &mut raw) })?;
        Session::adopt(raw, model)
    }

    /// Owns raw, a session the library made for model (NULL: an error).
    pub(crate) fn adopt(raw: *mut sys::gemmakit_session, model: &Model) -> Result<Session> {
        let raw = NonNull::new(raw).ok_or_else(|| Error::invalid("the library returned a NULL session"))?;
        let cancel = crate::state::CancelTarget::new(raw.as_ptr());
        Ok(Session { raw, _model: model.clone(), cancel })
    }

    pub(crate) fn model(&self) -> &Model {
        &self._model
    }

    pub(crate) fn cancel_target(&self) -> &std::sync::Arc<crate::state::CancelTarget> {
        &self.cancel
    }

    pub(crate) fn ptr(&self) -> *mut sys::gemmakit_session {
        self.raw.as_ptr()
    }

    pub fn reset(&mut self) -> Result<()> {
        check(unsafe { sys::gemmakit_session_reset(self.ptr()) })
    }

    /// Makes `adapters` active at their scales (1: as trained) for later evaluations; an empty
    /// slice returns to the base model. A set that differs from the current one forgets the
    /// session's tokens. The session keeps what it uses.
    pub fn set_adapters(&mut self, adapters: &[(&Adapter, f32)]) -> Result<()> {
        let raws: Vec<*const sys::gemmakit_adapter> = adapters.iter().map(|(a, _)| a.raw()).collect();
        let scales: Vec<f32> = adapters.iter().map(|(_, s)| *s).collect();
        check(unsafe { sys::gemmakit_session_set_adapters(self.ptr(), raws.as_ptr(), scales.as_ptr(), raws.len()) })
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
        let c = CGenerate::new(options, self.model())?;
        let prompt = c_text(prompt)?;
        check(unsafe { sys::gemmakit_session_begin_generate(self.ptr(), prompt.as_ptr(), &c.params) })
    }

    /// Begins the model's reply to the conversation; tokens the session holds that match are reused.
    pub fn begin_chat(&mut self, messages: &[Message], options: &GenerateOptions) -> Result<()> {
        let c = CGenerate::new(options, self.model())?;
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
        let mut c = CGenerate::new(options, self.model())?;
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
        let c = CGenerate::new(options, self.model())?;
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
        let c = CGenerate::new(options, self.model())?;
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
