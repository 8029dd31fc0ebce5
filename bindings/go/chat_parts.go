package gemmakit

/*
#include <stdint.h>
#include <stdlib.h>
#include "gemmakit.h"
// Defined in callback.go (//export); declared here because _cgo_export.h is not visible yet.
extern int32_t gkForwardText(uintptr_t handle, char* text, size_t n);

// Chat with images exists only as one C call that streams through a callback; it calls back into
// Go (gkForwardText, callback.go) with a handle to the caller's function.
static int32_t gk_on_text(const char* text, size_t len, void* user) {
  return gkForwardText((uintptr_t)user, (char*)text, len);
}

static gemmakit_status gk_chat_parts(gemmakit_session* s, const gemmakit_chat_turn* turns, size_t n_turns,
                                     int32_t max_tokens, const gemmakit_sampling_params* sampling,
                                     const char* const* stop, size_t n_stop, uintptr_t handle,
                                     gemmakit_generation* out) {
  gemmakit_generate_params p;
  gemmakit_status st = gemmakit_generate_params_init(&p, sizeof p);
  if (st != GEMMAKIT_OK) return st;
  p.max_tokens = max_tokens;
  p.sampling = sampling;
  p.stop = stop;
  p.n_stop = n_stop;
  p.on_text = gk_on_text;
  p.user_data = (void*)handle;
  return gemmakit_session_chat_parts(s, turns, n_turns, &p, out);
}
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// Part is one part of a chat turn: Text, or Image when it is not nil.
type Part struct {
	Text  string
	Image *Image
}

// Turn is a chat turn made of text and image parts.
type Turn struct {
	Role  string
	Parts []Part
}

// ChatParts generates the model's reply to a conversation whose turns hold text and images,
// handing each piece to onText (may be nil; false stops early). Images the session already
// holds from earlier turns are reused, not encoded again.
func (s *Session) ChatParts(turns []Turn, o Options, onText func(string) bool) (Result, error) {
	if len(turns) == 0 {
		return Result{}, &Error{Status: -1, Message: "chat: the conversation is empty"}
	}
	var a cArgs
	defer a.free()
	sp, maxTokens, stop := a.generation(o)
	locked := map[*Image]bool{}
	cturns := (*[1 << 20]C.gemmakit_chat_turn)(a.alloc(uintptr(len(turns)), unsafe.Sizeof(C.gemmakit_chat_turn{})))
	for i, t := range turns {
		n := len(t.Parts)
		if n == 0 {
			n = 1 // malloc(0) may return NULL; n_parts stays 0
		}
		parts := (*[1 << 20]C.gemmakit_chat_part)(a.alloc(uintptr(n), unsafe.Sizeof(C.gemmakit_chat_part{})))
		for j, p := range t.Parts {
			parts[j] = C.gemmakit_chat_part{}
			if p.Image == nil {
				parts[j]._type = C.GEMMAKIT_PART_TEXT
				parts[j].text = a.str(p.Text)
				continue
			}
			// The image stays open until the call returns; each image is read-locked once (a
			// second RLock could wait behind a Close that waits on the first).
			if !locked[p.Image] {
				p.Image.mu.RLock()
				defer p.Image.mu.RUnlock()
				locked[p.Image] = true
			}
			if p.Image.p == nil {
				return Result{}, &Error{Status: -1, Message: "chat: an image part is closed"}
			}
			parts[j]._type = C.GEMMAKIT_PART_IMAGE
			parts[j].image = p.Image.p
		}
		cturns[i] = C.gemmakit_chat_turn{role: a.str(t.Role), parts: &parts[0], n_parts: C.size_t(len(t.Parts))}
	}
	sink := &textSink{fn: onText}
	h := cgo.NewHandle(sink)
	defer h.Delete()
	var g C.gemmakit_generation
	g.struct_size = C.uint32_t(unsafe.Sizeof(g))
	err := s.call(func() C.gemmakit_status {
		return C.gk_chat_parts(s.p, &cturns[0], C.size_t(len(turns)), maxTokens, &sp, stop, C.size_t(len(o.Stop)),
			C.uintptr_t(h), &g)
	})
	if sink.panicked != nil {
		panic(sink.panicked)
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Text: C.GoStringN(g.text, C.int(g.text_len)), StopReason: StopReason(g.stop_reason),
		Tokens: int(g.n_tokens), PromptTokens: int64(g.n_prompt_tokens), PromptSeconds: float64(g.prompt_seconds),
		DecodeSeconds: float64(g.decode_seconds)}, nil
}
