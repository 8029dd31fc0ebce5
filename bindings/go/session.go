package gemmakit

/*
#include <stdlib.h>
#include "gemmakit.h"

// The generate params are assembled on the C side: cgo may not pass Go memory that holds
// pointers, and these point at the sampling params and the stop strings.
static gemmakit_status gk_begin(gemmakit_session* s, const char* prompt, const gemmakit_chat_message* messages,
                                size_t n_messages, int32_t max_tokens, const gemmakit_sampling_params* sampling,
                                const char* const* stop, size_t n_stop) {
  gemmakit_generate_params p;
  gemmakit_status st = gemmakit_generate_params_init(&p, sizeof p);
  if (st != GEMMAKIT_OK) return st;
  p.max_tokens = max_tokens;
  p.sampling = sampling;
  p.stop = stop;
  p.n_stop = n_stop;
  return prompt ? gemmakit_session_begin_generate(s, prompt, &p) : gemmakit_session_begin_chat(s, messages, n_messages, &p);
}
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"
)

// Sampling says how the next token is drawn. Temperature 0 is greedy. Seed nil draws a random one.
type Sampling struct {
	Temperature   float32
	TopK          int32
	TopP, MinP    float32
	RepeatPenalty float32
	RepeatLastN   int32
	Seed          *uint64
}

// DefaultSampling has the C API's defaults.
func DefaultSampling() Sampling {
	return Sampling{Temperature: 1, TopK: 64, TopP: 0.95, MinP: 0, RepeatPenalty: 1, RepeatLastN: 64}
}

// Options of one generation. The zero value means 256 tokens with DefaultSampling.
type Options struct {
	MaxTokens int32
	Stop      []string
	Sampling  *Sampling
}

// Message is one turn: Role "system" (first only), "user", "assistant" or "model".
type Message struct{ Role, Content string }

// Result is what a whole generation produced.
type Result struct {
	Text                         string
	StopReason                   StopReason
	Tokens                       int
	PromptTokens                 int64
	PromptSeconds, DecodeSeconds float64
}

// StopReason says why generation ended.
type StopReason int

const (
	StopEndOfTurn StopReason = iota
	StopMaxTokens
	StopString
	StopCallback
	StopContextFull
)

// Session is one conversation: KV cache and sampler state. One goroutine at a time.
type Session struct {
	p     *C.gemmakit_session
	model *Model // keeps the Go model (and its finalizer) away while the session lives
}

// SessionOptions: Threads 0 is one per core; ContextLength 0 is the model's.
type SessionOptions struct {
	Threads       int32
	ContextLength int64
}

// NewSession starts a conversation with the model.
func (m *Model) NewSession(o SessionOptions) (*Session, error) {
	var params C.gemmakit_session_params
	s := &Session{model: m}
	err := m.use(func(p *C.gemmakit_model) error {
		if err := check(C.gemmakit_session_params_init(&params, C.size_t(unsafe.Sizeof(params)))); err != nil {
			return err
		}
		params.n_threads = C.int32_t(o.Threads)
		params.context_length = C.int64_t(o.ContextLength)
		return check(C.gemmakit_session_create(p, &params, &s.p))
	})
	if err != nil {
		return nil, err
	}
	runtime.SetFinalizer(s, (*Session).Close)
	return s, nil
}

// Close frees the session (idempotent).
func (s *Session) Close() error {
	if s.p != nil {
		C.gemmakit_session_free(s.p)
		s.p = nil
	}
	return nil
}

func (s *Session) call(fn func() C.gemmakit_status) error {
	if s.p == nil {
		return &Error{Status: -1, Message: "session is closed"}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return check(fn())
}

// cArgs holds C copies of one call's arguments, freed by free() after the call (the library
// copies what it keeps).
type cArgs struct{ frees []unsafe.Pointer }

func (a *cArgs) str(s string) *C.char {
	c := C.CString(s)
	a.frees = append(a.frees, unsafe.Pointer(c))
	return c
}

func (a *cArgs) alloc(n, size uintptr) unsafe.Pointer {
	p := C.malloc(C.size_t(n * size))
	a.frees = append(a.frees, p)
	return p
}

func (a *cArgs) free() {
	for _, p := range a.frees {
		C.free(p)
	}
}

// generation converts Options: the sampling params, the token limit and the stop strings.
func (a *cArgs) generation(o Options) (sp C.gemmakit_sampling_params, maxTokens C.int32_t, stop **C.char) {
	sampling := DefaultSampling()
	if o.Sampling != nil {
		sampling = *o.Sampling
	}
	maxTokens = C.int32_t(o.MaxTokens)
	if maxTokens == 0 {
		maxTokens = 256
	}
	C.gemmakit_sampling_params_init(&sp, C.size_t(unsafe.Sizeof(sp)))
	sp.temperature, sp.top_k, sp.top_p = C.float(sampling.Temperature), C.int32_t(sampling.TopK), C.float(sampling.TopP)
	sp.min_p, sp.repeat_penalty = C.float(sampling.MinP), C.float(sampling.RepeatPenalty)
	sp.repeat_last_n = C.int32_t(sampling.RepeatLastN)
	sp.seed = C.GEMMAKIT_SEED_RANDOM
	if sampling.Seed != nil {
		sp.seed = C.uint64_t(*sampling.Seed)
	}
	if len(o.Stop) > 0 {
		arr := (*[1 << 20]*C.char)(a.alloc(uintptr(len(o.Stop)), unsafe.Sizeof(uintptr(0))))
		for i, st := range o.Stop {
			arr[i] = a.str(st)
		}
		stop = &arr[0]
	}
	return sp, maxTokens, stop
}

func (s *Session) begin(prompt *string, messages []Message, o Options) error {
	var a cArgs
	defer a.free()
	sp, maxTokens, stop := a.generation(o)
	cstr := a.str
	var cmsgs *C.gemmakit_chat_message
	if len(messages) > 0 {
		arr := (*[1 << 20]C.gemmakit_chat_message)(a.alloc(uintptr(len(messages)), unsafe.Sizeof(C.gemmakit_chat_message{})))
		for i, m := range messages {
			arr[i].role, arr[i].content = cstr(m.Role), cstr(m.Content)
		}
		cmsgs = &arr[0]
	}
	var cprompt *C.char
	if prompt != nil {
		cprompt = cstr(*prompt)
	}
	return s.call(func() C.gemmakit_status {
		return C.gk_begin(s.p, cprompt, cmsgs, C.size_t(len(messages)), maxTokens, &sp, stop, C.size_t(len(o.Stop)))
	})
}

// BeginGenerate starts a raw continuation of prompt; advance it with Step.
func (s *Session) BeginGenerate(prompt string, o Options) error { return s.begin(&prompt, nil, o) }

// BeginChat starts the model's reply to the conversation; tokens the session holds that match
// are reused, so a growing conversation evaluates only its new turns.
func (s *Session) BeginChat(messages []Message, o Options) error {
	if len(messages) == 0 {
		return &Error{Status: -1, Message: "chat: the conversation is empty"}
	}
	return s.begin(nil, messages, o)
}

// Step advances the begun generation by at most maxTokens tokens (0: no limit) and, after its
// first unit of work, no longer than budget (0: no limit). For frame loops and streaming.
func (s *Session) Step(maxTokens int32, budget time.Duration) (text string, finished bool, err error) {
	var c C.gemmakit_chunk
	c.struct_size = C.uint32_t(unsafe.Sizeof(c))
	err = s.call(func() C.gemmakit_status {
		return C.gemmakit_session_step(s.p, C.int32_t(maxTokens), C.double(budget.Seconds()), &c)
	})
	if err != nil {
		return "", true, err
	}
	return C.GoStringN(c.text, C.int(c.text_len)), c.finished != 0, nil
}

// Result reports the totals of the generation begun last.
func (s *Session) Result() (Result, error) {
	var g C.gemmakit_generation
	g.struct_size = C.uint32_t(unsafe.Sizeof(g))
	if err := s.call(func() C.gemmakit_status { return C.gemmakit_session_step_result(s.p, &g) }); err != nil {
		return Result{}, err
	}
	return Result{Text: C.GoStringN(g.text, C.int(g.text_len)), StopReason: StopReason(g.stop_reason),
		Tokens: int(g.n_tokens), PromptTokens: int64(g.n_prompt_tokens), PromptSeconds: float64(g.prompt_seconds),
		DecodeSeconds: float64(g.decode_seconds)}, nil
}

// drain steps to the end, handing each piece to onText (false stops early).
func (s *Session) drain(onText func(string) bool) (Result, error) {
	for {
		text, finished, err := s.Step(1, 0)
		if err != nil {
			return Result{}, err
		}
		if text != "" && onText != nil && !onText(text) {
			break
		}
		if finished {
			break
		}
	}
	return s.Result()
}

// Generate continues the session with raw text; onText (may be nil) gets each piece as it
// becomes final and can stop early by returning false.
func (s *Session) Generate(prompt string, o Options, onText func(string) bool) (Result, error) {
	if err := s.BeginGenerate(prompt, o); err != nil {
		return Result{}, err
	}
	return s.drain(onText)
}

// Chat generates the model's reply to the conversation, streaming it to onText (may be nil).
func (s *Session) Chat(messages []Message, o Options, onText func(string) bool) (Result, error) {
	if err := s.BeginChat(messages, o); err != nil {
		return Result{}, err
	}
	return s.drain(onText)
}

// Piece is one element of a Stream: text, or the error that ended it.
type Piece struct {
	Text string
	Err  error
}

// Stream runs a begun generation (BeginGenerate / BeginChat) on its own goroutine and sends its
// pieces; the channel closes at the end. Do not use the session until it is closed. Closing
// done (may be nil) stops it early.
func (s *Session) Stream(done <-chan struct{}) <-chan Piece {
	out := make(chan Piece)
	go func() {
		defer close(out)
		for {
			text, finished, err := s.Step(1, 0)
			if err != nil {
				select {
				case out <- Piece{Err: err}:
				case <-done:
				}
				return
			}
			if text != "" {
				select {
				case out <- Piece{Text: text}:
				case <-done:
					return
				}
			}
			if finished {
				return
			}
		}
	}()
	return out
}
