use std::ffi::CStr;
use std::os::raw::c_char;
use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::Arc;

use gemmakit_sys as sys;

use crate::error::{c_text, check, Error, Result};
use crate::session::{Message, SamplingParams, Session};

struct Handle(NonNull<sys::gemmakit_model>);

// The C contract: a model is immutable and may be used from any number of threads at once.
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        unsafe { sys::gemmakit_model_free(self.0.as_ptr()) }
    }
}

/// Loaded weights and vocabulary. Cloning shares the same model; it is freed with the last clone
/// (sessions hold one).
#[derive(Clone)]
pub struct Model {
    handle: Arc<Handle>,
}

/// What `gemmakit_model_get_info` reports (the most used fields).
#[derive(Debug, Clone)]
pub struct ModelInfo {
    pub architecture: String,
    pub weight_type: String,
    pub format: String,
    pub vocab_size: i64,
    pub context_length: i64,
    pub n_layers: i64,
    pub hidden_size: i64,
    pub n_params: i64,
    pub bos_id: i32,
    pub eos_id: i32,
    pub end_of_turn_id: i32,
    /// GEMMAKIT_SAMPLING_* bits (gemmakit-sys): the sampling fields the checkpoint recommends.
    pub recommended_sampling: i32,
}

fn field(chars: &[c_char]) -> String {
    unsafe { CStr::from_ptr(chars.as_ptr()).to_string_lossy().into_owned() }
}

fn size_of<T>() -> usize {
    std::mem::size_of::<T>()
}

/// How products meet activations (`GEMMAKIT_PRECISION_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// float32 activations: the reference's numerics.
    #[default]
    Exact,
    /// As llama.cpp computes: one 8-bit activation term against Q8_0 / Q4_0 weights, and bf16
    /// products for BF16 weights and for prompt and image attention (AVX512_BF16 CPUs).
    Fast,
}

/// Options of [`Model::load_with`].
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// llama.cpp's vision projector GGUF, beside a text GGUF of a multimodal Gemma 3.
    pub mmproj: Option<std::path::PathBuf>,
    pub precision: Precision,
    /// Threads for repacking at load; 0: one per core.
    pub n_threads: i32,
    /// A MatFormer slicing spec (JSON) that cuts a smaller Gemma 3n out of the checkpoint at load.
    pub slice: Option<std::path::PathBuf>,
    /// PEFT LoRA folders folded into the weights at load, with their scales (1: as trained).
    pub merge_adapters: Vec<(std::path::PathBuf, f32)>,
    /// Converts the weight matrices at load: a llama-quantize preset or type by its name ("q4_k_m",
    /// "q8_0", "bf16", ...; the library's table); None keeps the stored types.
    pub weight_type: Option<String>,
}

/// The model's image geometry (`gemmakit_model_image_info`).
#[derive(Debug, Clone, Copy)]
pub struct ImageInfo {
    pub image_token_id: i32,
    pub tokens_per_image: i32,
    pub image_size: i32,
}

/// The model's audio side (`gemmakit_model_audio_info`, Gemma 3n): the placeholder id of audio
/// soft tokens in id lists, the soft tokens of one clip (or window), the seconds of one window.
#[derive(Debug, Clone, Copy)]
pub struct AudioInfo {
    pub audio_token_id: i32,
    pub tokens_per_clip: i32,
    pub window_seconds: f64,
}

pub(crate) fn utf8_path(p: &Path) -> Result<&str> {
    p.to_str().ok_or_else(|| Error::invalid("path is not UTF-8"))
}

impl Model {
    /// Loads a HuggingFace checkpoint folder or a GGUF file.
    pub fn load<P: AsRef<Path>>(path: P) -> Result<Model> {
        Model::load_with(path, &LoadOptions::default())
    }

    pub fn load_with<P: AsRef<Path>>(path: P, options: &LoadOptions) -> Result<Model> {
        let c_path = c_text(utf8_path(path.as_ref())?)?;
        let c_mmproj = match &options.mmproj {
            Some(m) => Some(c_text(utf8_path(m)?)?),
            None => None,
        };
        let c_slice = match &options.slice {
            Some(s) => Some(c_text(utf8_path(s)?)?),
            None => None,
        };
        let c_merge = options.merge_adapters.iter().map(|(d, _)| c_text(utf8_path(d)?)).collect::<Result<Vec<_>>>()?;
        let merge_ptrs: Vec<*const c_char> = c_merge.iter().map(|c| c.as_ptr()).collect();
        let merge_scales: Vec<f32> = options.merge_adapters.iter().map(|(_, s)| *s).collect();
        let mut p: sys::gemmakit_model_params = unsafe { std::mem::zeroed() };
        check(unsafe { sys::gemmakit_model_params_init(&mut p, size_of::<sys::gemmakit_model_params>()) })?;
        p.n_threads = options.n_threads;
        if let Some(name) = &options.weight_type {
            let c_name = c_text(name)?;
            check(unsafe { sys::gemmakit_weight_type_from_name(c_name.as_ptr(), &mut p.weight_type) })?;
        }
        p.precision = match options.precision {
            Precision::Exact => sys::GEMMAKIT_PRECISION_EXACT,
            Precision::Fast => sys::GEMMAKIT_PRECISION_FAST,
        };
        p.mmproj_path = c_mmproj.as_ref().map_or(ptr::null(), |c| c.as_ptr());
        p.slice_path = c_slice.as_ref().map_or(ptr::null(), |c| c.as_ptr());
        p.merge_adapters = merge_ptrs.as_ptr();
        p.merge_adapter_scales = merge_scales.as_ptr();
        p.n_merge_adapters = merge_ptrs.len() as i32;
        let mut raw = ptr::null_mut();
        check(unsafe { sys::gemmakit_model_load(c_path.as_ptr(), &p, &mut raw) })?;
        let handle = NonNull::new(raw).ok_or_else(|| Error::invalid("model_load returned NULL"))?;
        Ok(Model { handle: Arc::new(Handle(handle)) })
    }

    /// Err (unsupported) for a model without a vision tower.
    pub fn image_info(&self) -> Result<ImageInfo> {
        let mut i = ImageInfo { image_token_id: 0, tokens_per_image: 0, image_size: 0 };
        check(unsafe {
            sys::gemmakit_model_image_info(self.raw(), &mut i.image_token_id, &mut i.tokens_per_image, &mut i.image_size)
        })?;
        Ok(i)
    }

    /// Err (unsupported) for a model without an audio tower.
    pub fn audio_info(&self) -> Result<AudioInfo> {
        let mut i = AudioInfo { audio_token_id: 0, tokens_per_clip: 0, window_seconds: 0.0 };
        check(unsafe {
            sys::gemmakit_model_audio_info(self.raw(), &mut i.audio_token_id, &mut i.tokens_per_clip,
                                           &mut i.window_seconds)
        })?;
        Ok(i)
    }

    pub(crate) fn raw(&self) -> *const sys::gemmakit_model {
        self.handle.0.as_ptr()
    }

    pub fn session(&self) -> Result<Session> {
        Session::new(self, 0, 0)
    }

    pub fn info(&self) -> Result<ModelInfo> {
        let mut i: sys::gemmakit_model_info = unsafe { std::mem::zeroed() };
        i.struct_size = size_of::<sys::gemmakit_model_info>() as u32;
        check(unsafe { sys::gemmakit_model_get_info(self.raw(), &mut i) })?;
        Ok(ModelInfo {
            architecture: field(&i.architecture),
            weight_type: field(&i.weight_type),
            format: field(&i.format),
            vocab_size: i.vocab_size,
            context_length: i.context_length,
            n_layers: i.n_layers,
            hidden_size: i.hidden_size,
            n_params: i.n_params,
            bos_id: i.bos_id,
            eos_id: i.eos_id,
            end_of_turn_id: i.end_of_turn_id,
            recommended_sampling: i.recommended_sampling,
        })
    }

    /// What generation uses for the sampling fields left `None`: the checkpoint's recommendation
    /// (generation_config.json, GGUF general.sampling.*), else gemmakit's defaults; every field set.
    pub fn recommended_sampling(&self) -> Result<SamplingParams> {
        let c = crate::session::model_sampling(self)?;
        Ok(SamplingParams {
            temperature: Some(c.temperature),
            top_k: Some(c.top_k),
            top_p: Some(c.top_p),
            min_p: Some(c.min_p),
            repeat_penalty: Some(c.repeat_penalty),
            repeat_last_n: Some(c.repeat_last_n),
            ..Default::default()
        })
    }

    /// Token ids of `text`; `add_bos` puts `<bos>` first as generation does.
    pub fn tokenize(&self, text: &str, add_bos: bool) -> Result<Vec<i32>> {
        self.tokenize_with(text, add_bos, false)
    }

    /// tokenize, where `parse_special` makes "<bos>", "<start_of_turn>"... written in the text
    /// their ids (for text apply_chat_template rendered).
    pub fn tokenize_with(&self, text: &str, add_bos: bool, parse_special: bool) -> Result<Vec<i32>> {
        let mut flags = if add_bos { sys::GEMMAKIT_TOKENIZE_ADD_BOS } else { 0 };
        if parse_special {
            flags |= sys::GEMMAKIT_TOKENIZE_PARSE_SPECIAL;
        }
        let mut ids = vec![0i32; text.len() + 2];
        let mut n = 0usize;
        check(unsafe {
            sys::gemmakit_tokenize(self.raw(), text.as_ptr() as *const c_char, text.len(), flags, ids.as_mut_ptr(),
                                   ids.len(), &mut n)
        })?;
        ids.truncate(n);
        Ok(ids)
    }

    pub fn detokenize(&self, ids: &[i32]) -> Result<String> {
        let mut needed = 0usize;
        let status =
            unsafe { sys::gemmakit_detokenize(self.raw(), ids.as_ptr(), ids.len(), ptr::null_mut(), 0, &mut needed) };
        if status != sys::GEMMAKIT_ERR_BUFFER_TOO_SMALL {
            check(status)?;
        }
        let mut buf = vec![0u8; needed];
        check(unsafe {
            sys::gemmakit_detokenize(self.raw(), ids.as_ptr(), ids.len(), buf.as_mut_ptr() as *mut c_char, buf.len(),
                                     &mut needed)
        })?;
        buf.truncate(needed.saturating_sub(1));
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// The conversation rendered with Gemma's chat template (starts with `<bos>`).
    pub fn apply_chat_template(&self, messages: &[Message], add_generation_prompt: bool) -> Result<String> {
        let c = crate::session::CMessages::new(messages)?;
        let mut needed = 0usize;
        let gp = add_generation_prompt as i32;
        let status = unsafe {
            sys::gemmakit_apply_chat_template(self.raw(), c.as_ptr(), c.len(), gp, ptr::null_mut(), 0, &mut needed)
        };
        if status != sys::GEMMAKIT_ERR_BUFFER_TOO_SMALL {
            check(status)?;
        }
        let mut buf = vec![0u8; needed];
        check(unsafe {
            sys::gemmakit_apply_chat_template(self.raw(), c.as_ptr(), c.len(), gp, buf.as_mut_ptr() as *mut c_char,
                                              buf.len(), &mut needed)
        })?;
        buf.truncate(needed.saturating_sub(1));
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }
}
