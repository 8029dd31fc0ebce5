use std::os::raw::c_void;
use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::Arc;

use gemmakit_sys as sys;

use crate::error::{c_text, check, Error, Result};

struct Handle(NonNull<sys::gemmakit_audio>);

// The C contract: a clip is immutable and may be shared by any number of calls and threads.
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        unsafe { sys::gemmakit_audio_free(self.0.as_ptr()) }
    }
}

/// An audio clip as mono float32 samples at 16 kHz, for [`Part::Audio`](crate::Part) and
/// [`Media::Audio`](crate::Media) (Gemma 3n). Cloning shares the samples.
#[derive(Clone)]
pub struct Audio {
    handle: Arc<Handle>,
}

/// The frames of `len` interleaved samples; a channel count the library refuses goes through to it.
fn frames(len: usize, channels: i32) -> Result<usize> {
    match usize::try_from(channels) {
        Ok(c) if c > 0 => {
            if len % c != 0 {
                return Err(Error::invalid("PCM length is not a multiple of the channel count"));
            }
            Ok(len / c)
        }
        _ => Ok(len),
    }
}

impl Audio {
    /// The rate of a clip's samples.
    pub const SAMPLE_RATE: u32 = 16000;

    fn wrap(raw: *mut sys::gemmakit_audio) -> Result<Audio> {
        let h = NonNull::new(raw).ok_or_else(|| Error::invalid("audio call returned NULL"))?;
        Ok(Audio { handle: Arc::new(Handle(h)) })
    }

    /// Decodes an audio file (WAV, FLAC, Ogg); channels are averaged, other rates resampled to 16 kHz.
    pub fn load<P: AsRef<Path>>(path: P) -> Result<Audio> {
        let path = path.as_ref().to_str().ok_or_else(|| Error::invalid("path is not UTF-8"))?;
        let c_path = c_text(path)?;
        let mut raw = ptr::null_mut();
        check(unsafe { sys::gemmakit_audio_load(c_path.as_ptr(), &mut raw) })?;
        Audio::wrap(raw)
    }

    /// Decodes the bytes of an audio file.
    pub fn decode(bytes: &[u8]) -> Result<Audio> {
        let mut raw = ptr::null_mut();
        check(unsafe { sys::gemmakit_audio_decode(bytes.as_ptr() as *const c_void, bytes.len(), &mut raw) })?;
        Audio::wrap(raw)
    }

    /// Copies interleaved float32 PCM (nominally in [-1, 1]) of `channels` channels at `sample_rate` Hz.
    pub fn from_pcm_f32(pcm: &[f32], sample_rate: i32, channels: i32) -> Result<Audio> {
        let n = frames(pcm.len(), channels)?;
        let mut raw = ptr::null_mut();
        check(unsafe { sys::gemmakit_audio_from_pcm_f32(pcm.as_ptr(), n, sample_rate, channels, &mut raw) })?;
        Audio::wrap(raw)
    }

    /// Copies interleaved signed 16-bit PCM of `channels` channels at `sample_rate` Hz.
    pub fn from_pcm_i16(pcm: &[i16], sample_rate: i32, channels: i32) -> Result<Audio> {
        let n = frames(pcm.len(), channels)?;
        let mut raw = ptr::null_mut();
        check(unsafe { sys::gemmakit_audio_from_pcm_i16(pcm.as_ptr(), n, sample_rate, channels, &mut raw) })?;
        Audio::wrap(raw)
    }

    /// The clip's 16 kHz mono samples.
    pub fn samples(&self) -> &[f32] {
        let (mut p, mut n) = (ptr::null(), 0usize);
        // Cannot fail on a live handle; the samples live (unchanged) as long as the clip.
        if unsafe { sys::gemmakit_audio_samples(self.raw(), &mut p, &mut n) } != sys::GEMMAKIT_OK || p.is_null() {
            return &[];
        }
        unsafe { std::slice::from_raw_parts(p, n) }
    }

    /// The number of 16 kHz mono samples.
    pub fn n_samples(&self) -> usize {
        self.samples().len()
    }

    /// Seconds.
    pub fn duration_seconds(&self) -> f64 {
        self.n_samples() as f64 / f64::from(Audio::SAMPLE_RATE)
    }

    pub(crate) fn raw(&self) -> *const sys::gemmakit_audio {
        self.handle.0.as_ptr()
    }
}
