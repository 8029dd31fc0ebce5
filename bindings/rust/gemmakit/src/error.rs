use std::ffi::CStr;
use std::fmt;
use std::os::raw::c_char;

use gemmakit_sys as sys;

/// A failed call: the `GEMMAKIT_ERR_*` status and the library's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub status: i32,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The call was cancelled (Canceller::cancel); the session stays usable.
    pub fn is_cancelled(&self) -> bool {
        self.status == sys::GEMMAKIT_ERR_CANCELLED
    }
    pub fn is_context_full(&self) -> bool {
        self.status == sys::GEMMAKIT_ERR_CONTEXT_FULL
    }
    /// Valid input this build or this model cannot run (an image or audio clip for a model
    /// without that encoder).
    pub fn is_unsupported(&self) -> bool {
        self.status == sys::GEMMAKIT_ERR_UNSUPPORTED
    }
    pub(crate) fn invalid(message: &str) -> Error {
        Error { status: sys::GEMMAKIT_ERR_INVALID_ARGUMENT, message: message.to_string() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = unsafe { c_string(sys::gemmakit_status_string(self.status)) };
        write!(f, "{} ({})", self.message, name)
    }
}

impl std::error::Error for Error {}

pub(crate) unsafe fn c_string(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// Turns a status into a Result, reading the thread-local message right after the call.
pub(crate) fn check(status: sys::gemmakit_status) -> Result<()> {
    if status == sys::GEMMAKIT_OK {
        Ok(())
    } else {
        Err(Error { status, message: unsafe { c_string(sys::gemmakit_last_error()) } })
    }
}

pub(crate) fn c_text(s: &str) -> Result<std::ffi::CString> {
    std::ffi::CString::new(s).map_err(|_| Error::invalid("text contains a NUL byte"))
}
