package gemmakit

// The chat template, session reset and the ABI version: C calls the pull API did not need.

/*
#include <stdlib.h>
#include "gemmakit.h"
*/
import "C"

import "unsafe"

// ABIVersion is the library's GEMMAKIT_ABI_VERSION (bumped on incompatible changes).
func ABIVersion() int { return int(C.gemmakit_abi_version()) }

// ApplyChatTemplate renders a conversation with Gemma's chat template (text starting with
// "<bos>"); addGenerationPrompt ends it with the model's turn header.
func (m *Model) ApplyChatTemplate(messages []Message, addGenerationPrompt bool) (string, error) {
	var a cArgs
	defer a.free()
	n := len(messages)
	arr := (*[1 << 20]C.gemmakit_chat_message)(a.alloc(uintptr(n)+1, unsafe.Sizeof(C.gemmakit_chat_message{})))
	for i, msg := range messages {
		arr[i].role, arr[i].content = a.str(msg.Role), a.str(msg.Content)
	}
	gen := C.int32_t(0)
	if addGenerationPrompt {
		gen = 1
	}
	var out string
	err := m.use(func(p *C.gemmakit_model) error {
		var needed C.size_t
		err := check(C.gemmakit_apply_chat_template(p, &arr[0], C.size_t(n), gen, nil, 0, &needed))
		if err != nil && !isStatus(err, C.GEMMAKIT_ERR_BUFFER_TOO_SMALL) {
			return err
		}
		buf := (*C.char)(C.malloc(needed + 1))
		defer C.free(unsafe.Pointer(buf))
		if err := check(C.gemmakit_apply_chat_template(p, &arr[0], C.size_t(n), gen, buf, needed+1, &needed)); err != nil {
			return err
		}
		out = C.GoString(buf)
		return nil
	})
	return out, err
}

// Reset makes the session forget all its tokens.
func (s *Session) Reset() error {
	return s.call(func() C.gemmakit_status { return C.gemmakit_session_reset(s.p) })
}
