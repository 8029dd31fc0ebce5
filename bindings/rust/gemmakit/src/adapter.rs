use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::Arc;

use gemmakit_sys as sys;

use crate::error::{c_text, check, Error, Result};
use crate::model::Model;

struct Handle(NonNull<sys::gemmakit_adapter>);

// The C contract: an adapter is immutable and may be used by any number of sessions and threads.
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        unsafe { sys::gemmakit_adapter_free(self.0.as_ptr()) }
    }
}

/// A PEFT LoRA adapter folder (`adapter_config.json` + `adapter_model.safetensors`) loaded for one
/// model; [`Session::set_adapters`](crate::Session::set_adapters) makes it active. Cloning shares it.
#[derive(Clone)]
pub struct Adapter {
    handle: Arc<Handle>,
    _model: Model,
}

impl Adapter {
    /// Err (format) naming the tensor for an adapter of another base; (unsupported) for DoRA,
    /// IA3 and other PEFT types or targets other than the seven projections.
    pub fn load<P: AsRef<Path>>(model: &Model, dir: P) -> Result<Adapter> {
        let dir = dir.as_ref().to_str().ok_or_else(|| Error::invalid("path is not UTF-8"))?;
        let c_dir = c_text(dir)?;
        let mut raw = ptr::null_mut();
        check(unsafe { sys::gemmakit_adapter_load(model.raw(), c_dir.as_ptr(), &mut raw) })?;
        let h = NonNull::new(raw).ok_or_else(|| Error::invalid("adapter_load returned NULL"))?;
        Ok(Adapter { handle: Arc::new(Handle(h)), _model: model.clone() })
    }

    /// The adapter's rank.
    pub fn rank(&self) -> Result<i32> {
        let mut r = 0i32;
        check(unsafe { sys::gemmakit_adapter_info(self.raw(), &mut r, ptr::null_mut()) })?;
        Ok(r)
    }

    /// PEFT's scaling at scale 1: lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora.
    pub fn scaling(&self) -> Result<f64> {
        let mut s = 0f64;
        check(unsafe { sys::gemmakit_adapter_info(self.raw(), ptr::null_mut(), &mut s) })?;
        Ok(s)
    }

    pub(crate) fn raw(&self) -> *const sys::gemmakit_adapter {
        self.handle.0.as_ptr()
    }
}
