//! Function calling: tool declarations in, calls out.
use std::ffi::CString;
use std::os::raw::{c_char, c_void};
use std::ptr;

use gemmakit_sys as sys;

use crate::error::{c_string, c_text, check, Error, Result};
use crate::model::Model;
use crate::session::{generation_of, CGenerate, CMessages, GenerateOptions, Generation, Message, Session};

/// How tools are written into the prompt and calls read from the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolFormat {
    /// FunctionGemma when the vocabulary has its control tokens, else Gemma 3.
    Auto,
    Gemma3,
    FunctionGemma,
}

impl ToolFormat {
    fn to_c(self) -> i32 {
        match self {
            ToolFormat::Auto => sys::GEMMAKIT_TOOL_FORMAT_AUTO,
            ToolFormat::Gemma3 => sys::GEMMAKIT_TOOL_FORMAT_GEMMA3,
            ToolFormat::FunctionGemma => sys::GEMMAKIT_TOOL_FORMAT_FUNCTIONGEMMA,
        }
    }
}

/// A function the model may call; `parameters_json` is a JSON Schema object ("" for none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tool {
    pub name: String,
    pub description: String,
    pub parameters_json: String,
}

/// A call the model made; `arguments_json` is a JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    pub name: String,
    pub arguments_json: String,
}

/// The C params and the strings they point to, alive through one call.
struct CTools {
    _strings: Vec<CString>,
    items: Vec<sys::gemmakit_tool>,
    params: sys::gemmakit_tool_params,
}

impl CTools {
    fn new(tools: &[Tool], format: ToolFormat) -> Result<Box<CTools>> {
        let mut strings = Vec::new();
        let mut items = Vec::new();
        for t in tools {
            let (name, description) = (c_text(&t.name)?, c_text(&t.description)?);
            let parameters = if t.parameters_json.is_empty() { None } else { Some(c_text(&t.parameters_json)?) };
            items.push(sys::gemmakit_tool {
                struct_size: std::mem::size_of::<sys::gemmakit_tool>() as u32,
                name: name.as_ptr(),
                description: description.as_ptr(),
                parameters_json: parameters.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
            });
            strings.extend([name, description]);
            strings.extend(parameters);
        }
        let mut params: sys::gemmakit_tool_params = unsafe { std::mem::zeroed() };
        check(unsafe { sys::gemmakit_tool_params_init(&mut params, std::mem::size_of::<sys::gemmakit_tool_params>()) })?;
        params.format = format.to_c();
        let mut c = Box::new(CTools { _strings: strings, items, params });
        c.params.tools = if c.items.is_empty() { ptr::null() } else { c.items.as_ptr() };
        c.params.n_tools = c.items.len();
        Ok(c)
    }
}

unsafe fn calls_of(calls: *const sys::gemmakit_tool_call, n: usize) -> Vec<ToolCall> {
    if calls.is_null() {
        return Vec::new();
    }
    std::slice::from_raw_parts(calls, n)
        .iter()
        .map(|c| ToolCall { name: c_string(c.name), arguments_json: c_string(c.arguments_json) })
        .collect()
}

/// Renders a conversation with tools (role "tool" carries a function's result). `model` may be
/// `None` when `format` is not `Auto`.
pub fn apply_chat_template_tools(model: Option<&Model>, messages: &[Message], tools: &[Tool],
                                 format: ToolFormat) -> Result<String> {
    let msgs = CMessages::new(messages)?;
    let t = CTools::new(tools, format)?;
    let m = model.map_or(ptr::null(), |m| m.raw());
    let mut needed = 0usize;
    let st = unsafe {
        sys::gemmakit_apply_chat_template_tools(m, msgs.as_ptr(), msgs.len(), &t.params, 1, ptr::null_mut(), 0,
                                                &mut needed)
    };
    if st != sys::GEMMAKIT_ERR_BUFFER_TOO_SMALL {
        check(st)?;
        return Err(Error::invalid("apply_chat_template_tools: no size reported"));
    }
    let mut buf = vec![0u8; needed];
    check(unsafe {
        sys::gemmakit_apply_chat_template_tools(m, msgs.as_ptr(), msgs.len(), &t.params, 1,
                                                buf.as_mut_ptr() as *mut c_char, needed, &mut needed)
    })?;
    buf.truncate(needed - 1);
    String::from_utf8(buf).map_err(|_| Error::invalid("rendered text is not UTF-8"))
}

impl Model {
    /// The format `ToolFormat::Auto` resolves to for this model.
    pub fn tool_format(&self) -> Result<ToolFormat> {
        let mut f = 0i32;
        check(unsafe { sys::gemmakit_model_tool_format(self.raw(), &mut f) })?;
        Ok(if f == sys::GEMMAKIT_TOOL_FORMAT_FUNCTIONGEMMA { ToolFormat::FunctionGemma } else { ToolFormat::Gemma3 })
    }
}

unsafe extern "C" fn forward_call(call: *const sys::gemmakit_tool_call, user: *mut c_void) -> i32 {
    let f = &mut *(user as *mut &mut dyn FnMut(&ToolCall) -> bool);
    let c = &*call;
    let call = ToolCall { name: c_string(c.name), arguments_json: c_string(c.arguments_json) };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&call))) {
        Ok(true) => 0,
        _ => 1, // false, or a panic (which must not unwind into C): stop
    }
}

impl Session {
    /// The model's reply to the conversation with tools: the totals, the calls it made and its
    /// text without them. `on_call` receives each call as soon as the output completes it;
    /// returning `false` stops generating.
    pub fn chat_tools(&mut self, messages: &[Message], tools: &[Tool], format: ToolFormat, options: &GenerateOptions,
                      mut on_call: impl FnMut(&ToolCall) -> bool) -> Result<(Generation, Vec<ToolCall>, String)> {
        let msgs = CMessages::new(messages)?;
        let mut t = CTools::new(tools, format)?;
        let g = CGenerate::new(options, self.model())?;
        let mut f: &mut dyn FnMut(&ToolCall) -> bool = &mut on_call;
        t.params.on_call = Some(forward_call);
        t.params.user_data = &mut f as *mut &mut dyn FnMut(&ToolCall) -> bool as *mut c_void;
        let mut result: sys::gemmakit_generation = unsafe { std::mem::zeroed() };
        result.struct_size = std::mem::size_of::<sys::gemmakit_generation>() as u32;
        check(unsafe {
            sys::gemmakit_session_chat_tools(self.ptr(), msgs.as_ptr(), msgs.len(), &t.params, &g.params, &mut result)
        })?;
        let generation = generation_of(&result);
        let (calls, text) = self.tool_calls()?;
        Ok((generation, calls, text))
    }

    /// Begins the reply to the conversation with tools; advance it with [`Session::step`] and read
    /// the calls completed so far with [`Session::tool_calls`] after each step.
    pub fn begin_chat_tools(&mut self, messages: &[Message], tools: &[Tool], format: ToolFormat,
                            options: &GenerateOptions) -> Result<()> {
        let msgs = CMessages::new(messages)?;
        let t = CTools::new(tools, format)?;
        let g = CGenerate::new(options, self.model())?;
        check(unsafe { sys::gemmakit_session_begin_chat_tools(self.ptr(), msgs.as_ptr(), msgs.len(), &t.params, &g.params) })
    }

    /// The calls of the last chat with tools (so far, when pulled) and its text without them.
    pub fn tool_calls(&self) -> Result<(Vec<ToolCall>, String)> {
        let (mut calls, mut n, mut text) = (ptr::null(), 0usize, ptr::null());
        check(unsafe { sys::gemmakit_session_tool_calls(self.ptr(), &mut calls, &mut n, &mut text) })?;
        Ok((unsafe { calls_of(calls, n) }, unsafe { c_string(text) }))
    }
}

/// Finds calls in output fed piece by piece (e.g. [`Session::step`]'s text).
pub struct ToolCallParser {
    raw: *mut sys::gemmakit_tool_parser,
}

impl ToolCallParser {
    /// `format`: `Gemma3` or `FunctionGemma`.
    pub fn new(format: ToolFormat) -> Result<ToolCallParser> {
        let mut raw = ptr::null_mut();
        check(unsafe { sys::gemmakit_tool_parser_create(format.to_c(), &mut raw) })?;
        Ok(ToolCallParser { raw })
    }

    fn state(&self) -> Result<(Vec<ToolCall>, String)> {
        let (mut calls, mut n, mut text) = (ptr::null(), 0usize, ptr::null());
        check(unsafe { sys::gemmakit_tool_parser_calls(self.raw, &mut calls, &mut n, &mut text) })?;
        Ok((unsafe { calls_of(calls, n) }, unsafe { c_string(text) }))
    }

    /// Adds output; returns the calls it completed.
    pub fn feed(&mut self, text: &str) -> Result<Vec<ToolCall>> {
        let mut n_new = 0usize;
        check(unsafe { sys::gemmakit_tool_parser_feed(self.raw, text.as_ptr() as *const c_char, text.len(), &mut n_new) })?;
        let (mut calls, _) = self.state()?;
        Ok(calls.split_off(calls.len() - n_new))
    }

    /// Ends the output: all calls and the text without them.
    pub fn finish(&mut self) -> Result<(Vec<ToolCall>, String)> {
        check(unsafe { sys::gemmakit_tool_parser_finish(self.raw) })?;
        self.state()
    }
}

impl Drop for ToolCallParser {
    fn drop(&mut self) {
        unsafe { sys::gemmakit_tool_parser_free(self.raw) }
    }
}
