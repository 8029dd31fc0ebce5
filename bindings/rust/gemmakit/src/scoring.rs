//! Log-probabilities of given text ([`Session::score`]) and ShieldGemma's P(Yes)
//! ([`Model::shieldgemma_classify`]).
use std::ffi::CString;
use std::os::raw::c_char;
use std::ptr;

use gemmakit_sys as sys;

use crate::error::{c_text, check, Result};
use crate::{Model, Session};

/// The model card's prompt-only ShieldGemma guidelines, by name.
pub const SHIELDGEMMA_POLICIES: [&str; 4] = ["dangerous", "harassment", "hate", "sexual"];

/// One continuation's log-probabilities (natural logs).
#[derive(Debug, Clone, PartialEq)]
pub struct ContinuationScore {
    /// Sum of `token_logprobs`.
    pub logprob: f64,
    /// Each token's log-probability given everything before it.
    pub token_logprobs: Vec<f64>,
    /// Every token is the most likely one at its position.
    pub is_greedy: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub continuations: Vec<ContinuationScore>,
    /// Log-probability of each candidate token right after the prompt.
    pub next_tokens: Vec<f64>,
}

impl Session {
    /// Log-probabilities of each continuation and of each candidate next token after `prompt` (at
    /// least one id), evaluated after the session's tokens. Afterwards the session holds the
    /// prompt, as after `eval(prompt)`; the continuations leave no trace.
    pub fn score(&mut self, prompt: &[i32], continuations: &[&[i32]], next_tokens: &[i32]) -> Result<Scores> {
        let mut p: sys::gemmakit_score_params = unsafe { std::mem::zeroed() };
        check(unsafe { sys::gemmakit_score_params_init(&mut p, std::mem::size_of::<sys::gemmakit_score_params>()) })?;
        let ptrs: Vec<*const i32> = continuations.iter().map(|c| c.as_ptr()).collect();
        let lengths: Vec<usize> = continuations.iter().map(|c| c.len()).collect();
        let mut sums = vec![0f64; continuations.len()];
        let mut tokens = vec![0f64; lengths.iter().sum()];
        let mut greedy = vec![0i32; continuations.len()];
        let mut next = vec![0f64; next_tokens.len()];
        p.continuations = ptrs.as_ptr();
        p.continuation_lengths = lengths.as_ptr();
        p.n_continuations = continuations.len();
        p.next_tokens = next_tokens.as_ptr();
        p.n_next_tokens = next_tokens.len();
        p.logprob_sums = sums.as_mut_ptr();
        p.token_logprobs = tokens.as_mut_ptr();
        p.is_greedy = greedy.as_mut_ptr();
        p.next_token_logprobs = next.as_mut_ptr();
        check(unsafe { sys::gemmakit_session_score(self.ptr(), prompt.as_ptr(), prompt.len(), &p) })?;
        let mut at = 0;
        let continuations = lengths
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                at += n;
                ContinuationScore { logprob: sums[i], token_logprobs: tokens[at - n..at].to_vec(), is_greedy: greedy[i] != 0 }
            })
            .collect();
        Ok(Scores { continuations, next_tokens: next })
    }
}

/// The params struct and the C strings it points into (they must live while it is used).
struct ShieldGemmaArgs {
    params: sys::gemmakit_shieldgemma_params,
    _names: Vec<CString>,
    _texts: Vec<CString>,
    _name_ptrs: Vec<*const c_char>,
    _text_ptrs: Vec<*const c_char>,
}

fn shieldgemma_args(policies: &[&str], policy_texts: &[&str], n_threads: i32) -> Result<ShieldGemmaArgs> {
    let mut params: sys::gemmakit_shieldgemma_params = unsafe { std::mem::zeroed() };
    check(unsafe {
        sys::gemmakit_shieldgemma_params_init(&mut params, std::mem::size_of::<sys::gemmakit_shieldgemma_params>())
    })?;
    let names = policies.iter().map(|s| c_text(s)).collect::<Result<Vec<_>>>()?;
    let texts = policy_texts.iter().map(|s| c_text(s)).collect::<Result<Vec<_>>>()?;
    let name_ptrs: Vec<*const c_char> = names.iter().map(|s| s.as_ptr()).collect();
    let text_ptrs: Vec<*const c_char> = texts.iter().map(|s| s.as_ptr()).collect();
    params.policy_names = name_ptrs.as_ptr();
    params.n_policy_names = name_ptrs.len();
    params.policy_texts = text_ptrs.as_ptr();
    params.n_policy_texts = text_ptrs.len();
    params.n_threads = n_threads;
    Ok(ShieldGemmaArgs { params, _names: names, _texts: texts, _name_ptrs: name_ptrs, _text_ptrs: text_ptrs })
}

/// ShieldGemma's prompt-only classification prompt, as its model card renders it (no `<bos>`).
/// `policies`: names from [`SHIELDGEMMA_POLICIES`]; `policy_texts`: guidelines of your own,
/// listed after the named ones.
pub fn shieldgemma_prompt(user_prompt: &str, policies: &[&str], policy_texts: &[&str]) -> Result<String> {
    let args = shieldgemma_args(policies, policy_texts, 0)?;
    let user = c_text(user_prompt)?;
    let mut needed = 0usize;
    let status = unsafe { sys::gemmakit_shieldgemma_prompt(user.as_ptr(), &args.params, ptr::null_mut(), 0, &mut needed) };
    if status != sys::GEMMAKIT_ERR_BUFFER_TOO_SMALL {
        check(status)?;
    }
    let mut buf = vec![0u8; needed];
    check(unsafe {
        sys::gemmakit_shieldgemma_prompt(user.as_ptr(), &args.params, buf.as_mut_ptr() as *mut c_char, buf.len(),
                                         &mut needed)
    })?;
    buf.truncate(needed.saturating_sub(1));
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

impl Model {
    /// ShieldGemma: P(Yes) that `user_prompt` violates the policies, as the model card computes it
    /// (softmax over the "Yes" and "No" logits after its prompt). `n_threads` 0: one per core.
    pub fn shieldgemma_classify(&self, user_prompt: &str, policies: &[&str], policy_texts: &[&str],
                                n_threads: i32) -> Result<f64> {
        let args = shieldgemma_args(policies, policy_texts, n_threads)?;
        let user = c_text(user_prompt)?;
        let mut p_yes = 0f64;
        check(unsafe { sys::gemmakit_shieldgemma_classify(self.raw(), user.as_ptr(), &args.params, &mut p_yes) })?;
        Ok(p_yes)
    }
}
