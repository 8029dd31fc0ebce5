package gemmakit

/*
#include <stdlib.h>
#include "gemmakit.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Sampling says how the next token is drawn. Temperature 0 is greedy. Seed nil draws a random one.
// LogitBias is added to the logits first (float32(math.Inf(-1)) bans a token). At most one of
// Grammar (GBNF text; start rule GrammarRoot, "" for "root"), JSONSchema (a JSON schema as
// text) and JSONMode (any JSON object) constrains the text drawn; "" means none.
type Sampling struct {
	Temperature   float32
	TopK          int32
	TopP, MinP    float32
	RepeatPenalty float32
	RepeatLastN   int32
	Seed          *uint64
	LogitBias     map[int32]float32
	Grammar       string
	GrammarRoot   string
	JSONSchema    string
	JSONMode      bool
}

// DefaultSampling has gemmakit's fixed defaults (gemmakit_sampling_params_init), whatever the model
// recommends.
func DefaultSampling() Sampling {
	return Sampling{Temperature: 1, TopK: 64, TopP: 0.95, MinP: 0, RepeatPenalty: 1, RepeatLastN: 64}
}

// RecommendedSampling is the sampling of Options whose Sampling is nil: what the checkpoint
// recommends (generation_config.json, GGUF general.sampling.*), else DefaultSampling's values.
// Start from it to set some fields and keep the model's others.
func (m *Model) RecommendedSampling() (Sampling, error) {
	var sp C.gemmakit_sampling_params
	err := m.use(func(p *C.gemmakit_model) error {
		return check(C.gemmakit_sampling_params_from_model(p, &sp, C.size_t(unsafe.Sizeof(sp))))
	})
	if err != nil {
		return Sampling{}, err
	}
	return Sampling{Temperature: float32(sp.temperature), TopK: int32(sp.top_k), TopP: float32(sp.top_p),
		MinP: float32(sp.min_p), RepeatPenalty: float32(sp.repeat_penalty), RepeatLastN: int32(sp.repeat_last_n)}, nil
}

// Options of one generation. The zero value means 256 tokens with the model's RecommendedSampling.
type Options struct {
	MaxTokens int32
	Stop      []string
	Sampling  *Sampling // nil: the model's RecommendedSampling
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
	DroppedMessages              int64 // oldest messages chat left out to fit (ContextFullDropOldest)
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
	p      *C.gemmakit_session
	model  *Model     // keeps the Go model (and its finalizer) away while the session lives
	freeMu sync.Mutex // Close against Cancel from another goroutine
}

// SessionOptions: Threads 0 is one per core; ContextLength 0 is the model's; BatchSize 0 is 256
// prompt tokens per forward pass; KVType and ContextFull default to KVF32 and ContextFullStop.
type SessionOptions struct {
	Threads       int32
	ContextLength int64
	BatchSize     int64
	KVType        KVType
	ContextFull   ContextFull
}

// NewSession starts a conversation with the model.
func (m *Model) NewSession(o SessionOptions) (*Session, error) {
	var params C.gemmakit_session_params
	s := &Session{model: m}
	err := m.use(func(p *C.gemmakit_model) error {
		if err := o.toC(&params); err != nil {
			return err
		}
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
	s.freeMu.Lock()
	defer s.freeMu.Unlock()
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
// copies what it keeps), and the read locks that keep the call's images and clips open.
type cArgs struct {
	frees  []unsafe.Pointer
	locked map[*sync.RWMutex]bool
}

func (a *cArgs) str(s string) *C.char {
	c := C.CString(s)
	a.frees = append(a.frees, unsafe.Pointer(c))
	return c
}

// alloc returns n zeroed elements of size bytes in C memory.
func (a *cArgs) alloc(n, size uintptr) unsafe.Pointer {
	p := C.calloc(C.size_t(n), C.size_t(size))
	a.frees = append(a.frees, p)
	return p
}

// rlock read-locks mu until free(), once per call: a second RLock could wait behind a Close that
// waits on the first.
func (a *cArgs) rlock(mu *sync.RWMutex) {
	if a.locked == nil {
		a.locked = map[*sync.RWMutex]bool{}
	}
	if !a.locked[mu] {
		mu.RLock()
		a.locked[mu] = true
	}
}

func (a *cArgs) free() {
	for _, p := range a.frees {
		C.free(p)
	}
	for mu := range a.locked {
		mu.RUnlock()
	}
}

// sampling converts Sampling into sampling params in C memory.
func (a *cArgs) sampling(sampling Sampling) *C.gemmakit_sampling_params {
	sp := (*C.gemmakit_sampling_params)(a.alloc(1, unsafe.Sizeof(C.gemmakit_sampling_params{})))
	C.gemmakit_sampling_params_init(sp, C.size_t(unsafe.Sizeof(*sp)))
	sp.temperature, sp.top_k, sp.top_p = C.float(sampling.Temperature), C.int32_t(sampling.TopK), C.float(sampling.TopP)
	sp.min_p, sp.repeat_penalty = C.float(sampling.MinP), C.float(sampling.RepeatPenalty)
	sp.repeat_last_n = C.int32_t(sampling.RepeatLastN)
	sp.seed = C.GEMMAKIT_SEED_RANDOM
	if sampling.Seed != nil {
		sp.seed = C.uint64_t(*sampling.Seed)
	}
	if n := len(sampling.LogitBias); n > 0 {
		bias := (*[1 << 20]C.gemmakit_logit_bias)(a.alloc(uintptr(n), unsafe.Sizeof(C.gemmakit_logit_bias{})))
		i := 0
		for token, b := range sampling.LogitBias {
			bias[i].token, bias[i].bias = C.int32_t(token), C.float(b)
			i++
		}
		sp.logit_bias, sp.n_logit_bias = &bias[0], C.size_t(n)
	}
	if sampling.Grammar != "" {
		sp.grammar = a.str(sampling.Grammar)
	}
	if sampling.GrammarRoot != "" {
		sp.grammar_root = a.str(sampling.GrammarRoot)
	}
	if sampling.JSONSchema != "" {
		sp.json_schema = a.str(sampling.JSONSchema)
	}
	if sampling.JSONMode {
		sp.json_mode = 1
	}
	return sp
}

// generation converts Options into generate params in C memory, with the sampling params and
// the stop strings they point to (cgo may not pass Go memory that holds pointers).
func (a *cArgs) generation(o Options) *C.gemmakit_generate_params {
	p := (*C.gemmakit_generate_params)(a.alloc(1, unsafe.Sizeof(C.gemmakit_generate_params{})))
	C.gemmakit_generate_params_init(p, C.size_t(unsafe.Sizeof(*p)))
	p.max_tokens = C.int32_t(o.MaxTokens)
	if p.max_tokens == 0 {
		p.max_tokens = 256
	}
	// Left NULL, the library applies the model's recommendation: the values RecommendedSampling reads.
	if o.Sampling != nil {
		p.sampling = a.sampling(*o.Sampling)
	}
	if len(o.Stop) > 0 {
		arr := (*[1 << 20]*C.char)(a.alloc(uintptr(len(o.Stop)), unsafe.Sizeof(uintptr(0))))
		for i, st := range o.Stop {
			arr[i] = a.str(st)
		}
		p.stop, p.n_stop = &arr[0], C.size_t(len(o.Stop))
	}
	return p
}

func (s *Session) begin(prompt *string, messages []Message, o Options) error {
	var a cArgs
	defer a.free()
	params := a.generation(o)
	if prompt != nil {
		cprompt := a.str(*prompt)
		return s.call(func() C.gemmakit_status { return C.gemmakit_session_begin_generate(s.p, cprompt, params) })
	}
	arr := (*[1 << 20]C.gemmakit_chat_message)(a.alloc(uintptr(len(messages)), unsafe.Sizeof(C.gemmakit_chat_message{})))
	for i, m := range messages {
		arr[i].role, arr[i].content = a.str(m.Role), a.str(m.Content)
	}
	return s.call(func() C.gemmakit_status {
		return C.gemmakit_session_begin_chat(s.p, &arr[0], C.size_t(len(messages)), params)
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
	return resultOf(&g), nil
}

func resultOf(g *C.gemmakit_generation) Result {
	return Result{Text: C.GoStringN(g.text, C.int(g.text_len)), StopReason: StopReason(g.stop_reason),
		Tokens: int(g.n_tokens), PromptTokens: int64(g.n_prompt_tokens), PromptSeconds: float64(g.prompt_seconds),
		DecodeSeconds: float64(g.decode_seconds), DroppedMessages: int64(g.n_dropped_messages)}
}

// idsPtr points at ids for the duration of a call (Go memory without pointers); never NULL.
func idsPtr(ids []int32) *C.int32_t {
	if len(ids) == 0 {
		var none C.int32_t
		return &none
	}
	return (*C.int32_t)(unsafe.Pointer(&ids[0]))
}

func logitsMode(all bool) C.int32_t {
	if all {
		return C.GEMMAKIT_LOGITS_ALL
	}
	return C.GEMMAKIT_LOGITS_LAST
}

// NPast is the number of tokens the session holds.
func (s *Session) NPast() (int64, error) {
	var n C.int64_t
	err := s.call(func() C.gemmakit_status { return C.gemmakit_session_n_past(s.p, &n) })
	return int64(n), err
}

// Eval evaluates ids after the session's tokens and keeps the logits of the last one, or of all
// of them with allLogits (read them with Logits). On error the session is unchanged.
func (s *Session) Eval(ids []int32, allLogits bool) error {
	return s.call(func() C.gemmakit_status {
		return C.gemmakit_session_eval(s.p, idsPtr(ids), C.size_t(len(ids)), logitsMode(allLogits))
	})
}

// Logits are those the last evaluation kept: one row of vocabulary-size floats per position
// (copies).
func (s *Session) Logits() ([][]float32, error) {
	var p *C.float
	var rows, vocab C.size_t
	if err := s.call(func() C.gemmakit_status { return C.gemmakit_session_logits(s.p, &p, &rows, &vocab) }); err != nil {
		return nil, err
	}
	flat := unsafe.Slice((*float32)(unsafe.Pointer(p)), int(rows*vocab))
	out := make([][]float32, int(rows))
	for r := range out {
		out[r] = append([]float32(nil), flat[r*int(vocab):(r+1)*int(vocab)]...)
	}
	return out, nil
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
