package gemmakit

// A session's whole state: options at creation (KV type, context policy), saved blobs and files,
// forks, cancellation from another goroutine, drawing one token, and batched decoding.

/*
#include <stdlib.h>
#include "gemmakit.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// KVType is the element type of a session's KV cache.
type KVType int32

const (
	KVF32  KVType = C.GEMMAKIT_KV_F32
	KVBF16 KVType = C.GEMMAKIT_KV_BF16
	KVF16  KVType = C.GEMMAKIT_KV_F16
	KVQ8_0 KVType = C.GEMMAKIT_KV_Q8_0 // 8-bit values, one f16 scale per 32
)

// ContextFull says what chat does when the context is full.
type ContextFull int32

const (
	ContextFullStop       ContextFull = C.GEMMAKIT_CONTEXT_FULL_STOP        // fail with ErrContextFull
	ContextFullDropOldest ContextFull = C.GEMMAKIT_CONTEXT_FULL_DROP_OLDEST // drop the oldest turns
)

func (o SessionOptions) toC(params *C.gemmakit_session_params) error {
	if err := check(C.gemmakit_session_params_init(params, C.size_t(unsafe.Sizeof(*params)))); err != nil {
		return err
	}
	params.n_threads = C.int32_t(o.Threads)
	params.context_length = C.int64_t(o.ContextLength)
	if o.BatchSize != 0 {
		params.batch_size = C.int64_t(o.BatchSize)
	}
	params.kv_type = C.int32_t(o.KVType)
	params.context_full = C.int32_t(o.ContextFull)
	return nil
}

// SaveState returns the session (tokens, KV cache, last logits, sampler RNG) as a checksummed
// blob tied to the model; LoadState puts it into a session of the same model.
func (s *Session) SaveState() ([]byte, error) {
	var needed C.size_t
	err := s.call(func() C.gemmakit_status { return C.gemmakit_session_save(s.p, nil, 0, &needed) })
	if err != nil && !isStatus(err, C.GEMMAKIT_ERR_BUFFER_TOO_SMALL) {
		return nil, err
	}
	buf := C.malloc(needed + 1)
	defer C.free(buf)
	if err := s.call(func() C.gemmakit_status { return C.gemmakit_session_save(s.p, buf, needed, &needed) }); err != nil {
		return nil, err
	}
	return C.GoBytes(buf, C.int(needed)), nil
}

func isStatus(err error, status C.gemmakit_status) bool {
	e, ok := err.(*Error)
	return ok && e.Status == int(status)
}

// LoadState replaces the session's state with a saved one (ErrFormat for another model's or a
// corrupt blob); on error the session is unchanged.
func (s *Session) LoadState(blob []byte) error {
	data := C.CBytes(blob)
	defer C.free(data)
	return s.call(func() C.gemmakit_status { return C.gemmakit_session_load(s.p, data, C.size_t(len(blob))) })
}

// SaveFile writes the state as SaveState to path.
func (s *Session) SaveFile(path string) error {
	c := C.CString(path)
	defer C.free(unsafe.Pointer(c))
	return s.call(func() C.gemmakit_status { return C.gemmakit_session_save_file(s.p, c) })
}

// LoadFile reads a state SaveFile wrote.
func (s *Session) LoadFile(path string) error {
	c := C.CString(path)
	defer C.free(unsafe.Pointer(c))
	return s.call(func() C.gemmakit_status { return C.gemmakit_session_load_file(s.p, c) })
}

// Fork returns a new, independent session holding a copy of this one's state.
func (s *Session) Fork() (*Session, error) {
	f := &Session{model: s.model}
	if err := s.call(func() C.gemmakit_status { return C.gemmakit_session_fork(s.p, &f.p) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(f, (*Session).Close)
	return f, nil
}

// Cancel makes the call running on the session (or its next one) fail with ErrCancelled at its
// next check. Safe from any goroutine while another uses the session; the session stays usable.
// After Close it does nothing.
func (s *Session) Cancel() error {
	s.freeMu.Lock()
	defer s.freeMu.Unlock()
	if s.p == nil {
		return nil
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return check(C.gemmakit_session_cancel(s.p))
}

// KVBytes is the size of the session's KV cache now.
func (s *Session) KVBytes() (int64, error) {
	var n C.int64_t
	err := s.call(func() C.gemmakit_status { return C.gemmakit_session_kv_bytes(s.p, &n) })
	return int64(n), err
}

// Sample draws a token from the last logits; reseed restarts the sampler's RNG from sp.Seed.
func (s *Session) Sample(sp Sampling, reseed bool) (int32, error) {
	var a cArgs
	defer a.free()
	params := a.sampling(sp)
	var token C.int32_t
	r := C.int32_t(0)
	if reseed {
		r = 1
	}
	err := s.call(func() C.gemmakit_status { return C.gemmakit_session_sample(s.p, params, r, &token) })
	return int32(token), err
}

// BatchDecode advances each session by its token (tokens[i] for sessions[i]) in one forward pass
// that reads the weights once; afterwards each session's logits are its token's. The sessions
// must be distinct and of one model; on error none changes.
func BatchDecode(sessions []*Session, tokens []int32) error {
	if len(sessions) != len(tokens) || len(sessions) == 0 {
		return &Error{Status: -1, Message: "batch decode: one token per session, at least one"}
	}
	raws := make([]*C.gemmakit_session, len(sessions)) // C pointers only: may be passed to C
	for i, s := range sessions {
		if s.p == nil {
			return &Error{Status: -1, Message: "batch decode: a session is closed"}
		}
		raws[i] = s.p
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return check(C.gemmakit_batch_decode(&raws[0], C.size_t(len(raws)), idsPtr(tokens)))
}

// KVBytes is the KV cache a session created with o holds after nPositions tokens.
func (m *Model) KVBytes(nPositions int64, o SessionOptions) (int64, error) {
	var params C.gemmakit_session_params
	var n C.int64_t
	err := m.use(func(p *C.gemmakit_model) error {
		if err := o.toC(&params); err != nil {
			return err
		}
		return check(C.gemmakit_model_kv_bytes(p, &params, C.int64_t(nPositions), &n))
	})
	return int64(n), err
}
