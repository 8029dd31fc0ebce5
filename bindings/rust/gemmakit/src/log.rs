use std::ffi::CStr;
use std::os::raw::{c_char, c_void};
use std::sync::Mutex;

use gemmakit_sys as sys;

use crate::error::{check, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Debug = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
}

type Sink = Box<dyn Fn(LogLevel, &str) + Send + Sync>;
static SINK: Mutex<Option<Sink>> = Mutex::new(None);

unsafe extern "C" fn trampoline(level: i32, message: *const c_char, _user: *mut c_void) {
    let level = match level {
        0 => LogLevel::Debug,
        1 => LogLevel::Info,
        2 => LogLevel::Warning,
        _ => LogLevel::Error,
    };
    let text = CStr::from_ptr(message).to_string_lossy();
    // A panic must not unwind into C.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if let Ok(sink) = SINK.lock() {
            if let Some(f) = sink.as_ref() {
                f(level, &text);
            }
        }
    }));
}

/// Routes the library's diagnostics (process-wide) to `sink`, from `min_level` up; `None`
/// silences them (the default). The sink runs on the thread of the call that logged.
pub fn set_log_callback(sink: Option<Sink>, min_level: LogLevel) -> Result<()> {
    let install = sink.is_some();
    *SINK.lock().unwrap_or_else(|e| e.into_inner()) = sink;
    let cb: sys::gemmakit_log_callback = if install { Some(trampoline) } else { None };
    check(unsafe { sys::gemmakit_set_log_callback(cb, min_level as i32, std::ptr::null_mut()) })
}
