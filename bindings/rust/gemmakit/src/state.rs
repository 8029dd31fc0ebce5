//! A session's whole state: options at creation (KV type, context policy), saved blobs and files,
//! forks, cancellation from another thread, drawing one token, and batched decoding.

use std::path::Path;
use std::ptr;
use std::sync::{Arc, Mutex};

use gemmakit_sys as sys;

use crate::error::{c_text, check, Error, Result};
use crate::model::Model;
use crate::session::{SamplingParams, Session};

/// Element type of a session's KV cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvType {
    F32 = 0,
    Bf16 = 1,
    F16 = 2,
    /// 8-bit values, one f16 scale per 32.
    Q8_0 = 3,
}

/// What chat does when the context is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextFull {
    /// Fail with a context-full error (the default).
    Stop = 0,
    /// Drop the oldest turns, keep the system prompt.
    DropOldest = 1,
}

/// gemmakit_session_params. `n_threads` 0: one per core; `context_length` 0: the model's.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionOptions {
    pub n_threads: i32,
    pub context_length: i64,
    pub batch_size: i64,
    pub kv_type: KvType,
    pub context_full: ContextFull,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions { n_threads: 0, context_length: 0, batch_size: 256, kv_type: KvType::F32,
                         context_full: ContextFull::Stop }
    }
}

impl SessionOptions {
    pub(crate) fn to_c(&self) -> Result<sys::gemmakit_session_params> {
        let mut p: sys::gemmakit_session_params = unsafe { std::mem::zeroed() };
        check(unsafe { sys::gemmakit_session_params_init(&mut p, std::mem::size_of::<sys::gemmakit_session_params>()) })?;
        p.n_threads = self.n_threads;
        p.context_length = self.context_length;
        p.batch_size = self.batch_size;
        p.kv_type = self.kv_type as i32;
        p.context_full = self.context_full as i32;
        Ok(p)
    }
}

/// The session pointer a Canceller may reach, cleared (under the lock) before the session is freed.
pub(crate) struct CancelTarget {
    raw: Mutex<usize>,
}

impl CancelTarget {
    pub(crate) fn new(raw: *mut sys::gemmakit_session) -> Arc<CancelTarget> {
        Arc::new(CancelTarget { raw: Mutex::new(raw as usize) })
    }

    pub(crate) fn detach(&self) {
        *self.raw.lock().unwrap_or_else(|e| e.into_inner()) = 0;
    }
}

/// Cancels the call running on its session from any thread (`Send + Sync`, cheap to clone). After
/// the session is dropped, cancel does nothing.
#[derive(Clone)]
pub struct Canceller {
    target: Arc<CancelTarget>,
}

impl Canceller {
    /// Makes the call running on the session (or its next one) fail with a cancelled error
    /// ([`Error::is_cancelled`]) at its next check; the session stays usable.
    pub fn cancel(&self) -> Result<()> {
        let raw = self.target.raw.lock().unwrap_or_else(|e| e.into_inner());
        if *raw == 0 {
            return Ok(());
        }
        check(unsafe { sys::gemmakit_session_cancel(*raw as *mut sys::gemmakit_session) })
    }
}

impl Session {
    /// The session (tokens, KV cache, last logits, sampler RNG) as a checksummed blob tied to the model.
    pub fn save(&self) -> Result<Vec<u8>> {
        let mut needed = 0usize;
        let status = unsafe { sys::gemmakit_session_save(self.ptr(), ptr::null_mut(), 0, &mut needed) };
        if status != sys::GEMMAKIT_ERR_BUFFER_TOO_SMALL {
            check(status)?;
        }
        let mut blob = vec![0u8; needed];
        check(unsafe { sys::gemmakit_session_save(self.ptr(), blob.as_mut_ptr().cast(), blob.len(), &mut needed) })?;
        blob.truncate(needed);
        Ok(blob)
    }

    /// Replaces the state with a saved one of the same model; on error the session is unchanged.
    pub fn load(&mut self, blob: &[u8]) -> Result<()> {
        check(unsafe { sys::gemmakit_session_load(self.ptr(), blob.as_ptr().cast(), blob.len()) })
    }

    pub fn save_file<P: AsRef<Path>>(&self, path: P) -> Result<()> {
        let path = c_path(path.as_ref())?;
        check(unsafe { sys::gemmakit_session_save_file(self.ptr(), path.as_ptr()) })
    }

    pub fn load_file<P: AsRef<Path>>(&mut self, path: P) -> Result<()> {
        let path = c_path(path.as_ref())?;
        check(unsafe { sys::gemmakit_session_load_file(self.ptr(), path.as_ptr()) })
    }

    /// A new, independent session holding a copy of this one's state.
    pub fn fork(&self) -> Result<Session> {
        let mut raw = ptr::null_mut();
        check(unsafe { sys::gemmakit_session_fork(self.ptr(), &mut raw) })?;
        Session::adopt(raw, self.model())
    }

    /// A handle that cancels this session's calls from another thread.
    pub fn canceller(&self) -> Canceller {
        Canceller { target: Arc::clone(self.cancel_target()) }
    }

    /// Bytes the session's KV cache holds now.
    pub fn kv_bytes(&self) -> Result<i64> {
        let mut n = 0i64;
        check(unsafe { sys::gemmakit_session_kv_bytes(self.ptr(), &mut n) })?;
        Ok(n)
    }

    /// Draws a token from the last logits; `reseed` restarts the sampler's RNG from `sampling.seed`.
    /// Fields left `None` take the model's recommendation (`&SamplingParams::default()`: all of it).
    pub fn sample(&mut self, sampling: &SamplingParams, reseed: bool) -> Result<i32> {
        let c = sampling.to_c(self.model())?;
        let mut token = 0i32;
        check(unsafe { sys::gemmakit_session_sample(self.ptr(), &c.c, reseed as i32, &mut token) })?;
        Ok(token)
    }

    /// Logits of the last eval's last token.
    pub fn last_logits(&self) -> Result<Vec<f32>> {
        let (mut logits, mut rows, mut vocab) = (ptr::null(), 0usize, 0usize);
        check(unsafe { sys::gemmakit_session_logits(self.ptr(), &mut logits, &mut rows, &mut vocab) })?;
        if rows == 0 {
            return Ok(Vec::new());
        }
        Ok(unsafe { std::slice::from_raw_parts(logits.add((rows - 1) * vocab), vocab) }.to_vec())
    }
}

/// Advances each session by its token (`tokens[i]` for `sessions[i]`) in one forward pass that
/// reads the weights once; afterwards each session's logits are its token's. The sessions must be
/// distinct and of one model; on error none changes.
pub fn batch_decode(sessions: &mut [&mut Session], tokens: &[i32]) -> Result<()> {
    if sessions.len() != tokens.len() {
        return Err(Error::invalid("batch_decode: as many tokens as sessions"));
    }
    let raws: Vec<*mut sys::gemmakit_session> = sessions.iter().map(|s| s.ptr()).collect();
    check(unsafe { sys::gemmakit_batch_decode(raws.as_ptr(), raws.len(), tokens.as_ptr()) })
}

impl Model {
    /// Bytes of KV cache a session with these options holds after n_positions tokens.
    pub fn kv_bytes(&self, n_positions: i64, options: &SessionOptions) -> Result<i64> {
        let p = options.to_c()?;
        let mut n = 0i64;
        check(unsafe { sys::gemmakit_model_kv_bytes(self.raw(), &p, n_positions, &mut n) })?;
        Ok(n)
    }

    /// A session with all of gemmakit_session_params' options.
    pub fn session_with(&self, options: &SessionOptions) -> Result<Session> {
        Session::with_options(self, options)
    }
}

fn c_path(path: &Path) -> Result<std::ffi::CString> {
    c_text(crate::model::utf8_path(path)?)
}
