//! Embedding vectors from an embedding model (EmbeddingGemma's sentence-transformers folder).
use std::os::raw::c_char;
use std::ptr;

use gemmakit_sys as sys;

use crate::error::{c_text, check, Result};
use crate::model::Model;

/// Options of [`Model::embed`].
#[derive(Debug, Clone, Default)]
pub struct EmbedOptions {
    /// One of the model's named prompts ("query", "document", "STS", ...) put before each text;
    /// None: the model's default prompt (EmbeddingGemma: none).
    pub prompt_name: Option<String>,
    /// Keep the first `dim` values, renormalised (Matryoshka: 512, 256, 128); 0 keeps all.
    pub dim: i32,
    /// 0: one per core.
    pub n_threads: i32,
}

impl Model {
    /// The full embedding width; Err (unsupported) for a model that computes no embeddings.
    pub fn embedding_dim(&self) -> Result<usize> {
        let mut dim = 0i32;
        check(unsafe { sys::gemmakit_model_embedding_dim(self.raw(), &mut dim) })?;
        Ok(dim as usize)
    }

    /// One embedding per text, in order.
    pub fn embed(&self, texts: &[&str], options: &EmbedOptions) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let c_texts = texts.iter().map(|t| c_text(t)).collect::<Result<Vec<_>>>()?;
        let ptrs: Vec<*const c_char> = c_texts.iter().map(|c| c.as_ptr()).collect();
        let c_prompt = match &options.prompt_name {
            Some(p) => Some(c_text(p)?),
            None => None,
        };
        let mut p: sys::gemmakit_embed_params = unsafe { std::mem::zeroed() };
        check(unsafe { sys::gemmakit_embed_params_init(&mut p, std::mem::size_of::<sys::gemmakit_embed_params>()) })?;
        p.prompt_name = c_prompt.as_ref().map_or(ptr::null(), |c| c.as_ptr());
        p.dim = options.dim;
        p.n_threads = options.n_threads;
        let width = if options.dim > 0 { options.dim as usize } else { self.embedding_dim()? };
        let mut out = vec![0f32; texts.len() * width];
        check(unsafe { sys::gemmakit_embed(self.raw(), ptrs.as_ptr(), ptrs.len(), &p, out.as_mut_ptr(), out.len()) })?;
        Ok(out.chunks(width).map(|c| c.to_vec()).collect())
    }
}
