//! Model methods for tooling: the resolved config, GGUF export, and the kernels run so far.

use std::path::Path;
use std::ptr;

use gemmakit_sys as sys;

use crate::error::{c_string, c_text, check, Result};
use crate::model::{utf8_path, Model};

impl Model {
    /// The hyper-parameters as resolved from the checkpoint, one "name value" per line.
    pub fn resolved_config(&self) -> Result<String> {
        let mut needed = 0usize;
        let status = unsafe { sys::gemmakit_model_resolved_config(self.raw(), ptr::null_mut(), 0, &mut needed) };
        if status != sys::GEMMAKIT_ERR_BUFFER_TOO_SMALL {
            check(status)?;
        }
        let mut buf = vec![0u8; needed];
        check(unsafe {
            sys::gemmakit_model_resolved_config(self.raw(), buf.as_mut_ptr().cast(), buf.len(), &mut needed)
        })?;
        buf.truncate(needed.saturating_sub(1));
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// Writes the model, weights as loaded, as a GGUF file llama.cpp can load.
    pub fn save_gguf<P: AsRef<Path>>(&self, path: P) -> Result<()> {
        let path = c_text(utf8_path(path.as_ref())?)?;
        check(unsafe { sys::gemmakit_model_save_gguf(self.raw(), path.as_ptr()) })
    }
}

/// Which instruction set and matmul kernels this process ran so far (for bug reports).
pub fn kernels_used() -> String {
    unsafe { c_string(sys::gemmakit_kernels_used()) }
}
