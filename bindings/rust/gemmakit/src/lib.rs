//! gemmakit: run Google's Gemma models locally on CPU.
//!
//! ```no_run
//! let model = gemmakit::Model::load("gemma-3-1b-it")?;
//! let mut session = model.session()?;
//! let opts = gemmakit::GenerateOptions { max_tokens: 64, ..Default::default() };
//! for piece in session.chat(&[gemmakit::Message::user("Why is the sky blue?")], &opts)? {
//!     print!("{}", piece?);
//! }
//! # Ok::<(), gemmakit::Error>(())
//! ```
//!
//! A [`Model`] is immutable and may be shared by any number of threads (`Send + Sync`, cheap to
//! clone). A [`Session`] is one conversation, used by one thread at a time (`Send`, not `Sync`);
//! it keeps its model alive. Generation streams through an iterator over the C pull API; chat
//! with images and audio clips streams by iterator too ([`Session::chat_parts_stream`]) or through
//! a closure the C library calls ([`Session::chat_parts`]).

mod audio;
mod embed;
mod error;
mod image;
mod log;
mod model;
mod scoring;
mod session;
mod tools;

pub use error::{Error, Result};
pub use log::{set_log_callback, LogLevel};
pub use audio::Audio;
pub use embed::EmbedOptions;
pub use image::Image;
pub use scoring::{shieldgemma_prompt, ContinuationScore, Scores, SHIELDGEMMA_POLICIES};
pub use model::{AudioInfo, ImageInfo, LoadOptions, Model, ModelInfo, Precision};
pub use session::{GenerateOptions, Generation, Media, Message, Part, SamplingParams, Session, Step, StopReason, TextStream,
                  Turn};
pub use tools::{apply_chat_template_tools, Tool, ToolCall, ToolCallParser, ToolFormat};

/// The library's version ("0.1.0").
pub fn version() -> String {
    unsafe { error::c_string(gemmakit_sys::gemmakit_version()) }
}
