package gemmakit

/*
#include <stdlib.h>
#include "gemmakit.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// ShieldGemmaPolicies are the model card's prompt-only guideline names.
var ShieldGemmaPolicies = []string{"dangerous", "harassment", "hate", "sexual"}

// ContinuationScore holds one continuation's log-probabilities (natural logs).
type ContinuationScore struct {
	Logprob       float64   // sum of TokenLogprobs
	TokenLogprobs []float64 // each token's log-probability given everything before it
	IsGreedy      bool      // every token is the most likely one at its position
}

// Scores are what Session.Score returns.
type Scores struct {
	Continuations []ContinuationScore
	NextTokens    []float64 // log-probability of each candidate token right after the prompt
}

// cInts copies ids into C memory freed with the call's arguments.
func (a *cArgs) cInts(ids []int32) *C.int32_t {
	p := (*C.int32_t)(a.alloc(uintptr(len(ids))+1, 4))
	copy(unsafe.Slice((*int32)(unsafe.Pointer(p)), len(ids)), ids)
	return p
}

func (a *cArgs) cDoubles(n int) *C.double { return (*C.double)(a.alloc(uintptr(n)+1, 8)) }

// Score returns the log-probabilities of each continuation and of each candidate next token
// after prompt (at least one id), evaluated after the session's tokens. Afterwards the session
// holds the prompt, as after Eval(prompt, false); the continuations leave no trace.
func (s *Session) Score(prompt []int32, continuations [][]int32, nextTokens []int32) (Scores, error) {
	var a cArgs
	defer a.free()
	p := (*C.gemmakit_score_params)(a.alloc(1, unsafe.Sizeof(C.gemmakit_score_params{})))
	C.gemmakit_score_params_init(p, C.size_t(unsafe.Sizeof(*p)))
	n := len(continuations)
	ptrsC := (**C.int32_t)(a.alloc(uintptr(n)+1, unsafe.Sizeof(uintptr(0))))
	lengthsC := (*C.size_t)(a.alloc(uintptr(n)+1, unsafe.Sizeof(C.size_t(0))))
	ptrs, lengths := unsafe.Slice(ptrsC, n), unsafe.Slice(lengthsC, n)
	total := 0
	for i, c := range continuations {
		ptrs[i], lengths[i] = a.cInts(c), C.size_t(len(c))
		total += len(c)
	}
	p.continuations, p.continuation_lengths = ptrsC, lengthsC
	p.n_continuations = C.size_t(n)
	p.next_tokens, p.n_next_tokens = a.cInts(nextTokens), C.size_t(len(nextTokens))
	p.logprob_sums, p.token_logprobs, p.next_token_logprobs = a.cDoubles(n), a.cDoubles(total), a.cDoubles(len(nextTokens))
	p.is_greedy = (*C.int32_t)(a.alloc(uintptr(n)+1, 4))
	cPrompt := a.cInts(prompt)
	err := s.call(func() C.gemmakit_status {
		return C.gemmakit_session_score(s.p, cPrompt, C.size_t(len(prompt)), p)
	})
	if err != nil {
		return Scores{}, err
	}
	sums := unsafe.Slice((*float64)(unsafe.Pointer(p.logprob_sums)), n)
	tokens := unsafe.Slice((*float64)(unsafe.Pointer(p.token_logprobs)), total)
	greedy := unsafe.Slice((*int32)(unsafe.Pointer(p.is_greedy)), n)
	out := Scores{NextTokens: append([]float64{}, unsafe.Slice((*float64)(unsafe.Pointer(p.next_token_logprobs)), len(nextTokens))...)}
	at := 0
	for i, c := range continuations {
		out.Continuations = append(out.Continuations, ContinuationScore{
			Logprob: sums[i], TokenLogprobs: append([]float64{}, tokens[at:at+len(c)]...), IsGreedy: greedy[i] != 0})
		at += len(c)
	}
	return out, nil
}

// shieldGemmaParams builds the params struct in C memory.
func (a *cArgs) shieldGemmaParams(policies, policyTexts []string, threads int32) *C.gemmakit_shieldgemma_params {
	p := (*C.gemmakit_shieldgemma_params)(a.alloc(1, unsafe.Sizeof(C.gemmakit_shieldgemma_params{})))
	C.gemmakit_shieldgemma_params_init(p, C.size_t(unsafe.Sizeof(*p)))
	strs := func(v []string) **C.char {
		arrC := (**C.char)(a.alloc(uintptr(len(v))+1, unsafe.Sizeof(uintptr(0))))
		arr := unsafe.Slice(arrC, len(v))
		for i, s := range v {
			arr[i] = a.str(s)
		}
		return arrC
	}
	p.policy_names, p.n_policy_names = strs(policies), C.size_t(len(policies))
	p.policy_texts, p.n_policy_texts = strs(policyTexts), C.size_t(len(policyTexts))
	p.n_threads = C.int32_t(threads)
	return p
}

// ShieldGemmaPrompt renders ShieldGemma's prompt-only classification prompt as the model card
// does (no <bos>). policies: names from ShieldGemmaPolicies; policyTexts: guidelines of your
// own, listed after the named ones.
func ShieldGemmaPrompt(userPrompt string, policies, policyTexts []string) (string, error) {
	var a cArgs
	defer a.free()
	p := a.shieldGemmaParams(policies, policyTexts, 0)
	user := a.str(userPrompt)
	runtime.LockOSThread() // the error message is thread-local
	defer runtime.UnlockOSThread()
	var needed C.size_t
	if st := C.gemmakit_shieldgemma_prompt(user, p, nil, 0, &needed); st != C.GEMMAKIT_ERR_BUFFER_TOO_SMALL {
		if err := check(st); err != nil {
			return "", err
		}
	}
	buf := (*C.char)(a.alloc(uintptr(needed), 1))
	if err := check(C.gemmakit_shieldgemma_prompt(user, p, buf, needed, &needed)); err != nil {
		return "", err
	}
	return C.GoString(buf), nil
}

// ShieldGemmaClassify returns P(Yes) that userPrompt violates the policies, as ShieldGemma's
// model card computes it (softmax over the "Yes" and "No" logits after its prompt). threads 0:
// one per core.
func (m *Model) ShieldGemmaClassify(userPrompt string, policies, policyTexts []string, threads int32) (float64, error) {
	var a cArgs
	defer a.free()
	p := a.shieldGemmaParams(policies, policyTexts, threads)
	user := a.str(userPrompt)
	var pYes C.double
	err := m.use(func(mp *C.gemmakit_model) error { return check(C.gemmakit_shieldgemma_classify(mp, user, p, &pYes)) })
	return float64(pYes), err
}
