package gemmakit

/*
#include <stdint.h>
#include <stdlib.h>
#include "gemmakit.h"
// Defined in callback.go (//export); declared here because _cgo_export.h is not visible yet.
extern int32_t gkForwardText(uintptr_t handle, char* text, size_t n);

// ChatParts streams through the push C call's callback; it calls back into Go (gkForwardText,
// callback.go) with a handle to the caller's function.
static int32_t gk_on_text(const char* text, size_t len, void* user) {
  return gkForwardText((uintptr_t)user, (char*)text, len);
}

static void gk_stream_to(gemmakit_generate_params* p, uintptr_t handle) {
  p->on_text = gk_on_text;
  p->user_data = (void*)handle;
}
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"unsafe"
)

// Part is one part of a chat turn, or one item of a media list: the Image or the Audio clip that
// is not nil, else Text.
type Part struct {
	Text  string
	Image *Image
	Audio *Audio
}

// Turn is a chat turn made of text, image and audio parts.
type Turn struct {
	Role  string
	Parts []Part
}

// contentParts converts parts into a C array of gemmakit_content_part (NULL when there are
// none); their images and clips stay open until a.free().
func (a *cArgs) contentParts(parts []Part, what string) (*C.gemmakit_content_part, error) {
	if len(parts) == 0 {
		return nil, nil
	}
	size := unsafe.Sizeof(C.gemmakit_content_part{})
	arr := (*[1 << 20]C.gemmakit_content_part)(a.alloc(uintptr(len(parts)), size))
	for j, p := range parts {
		c := &arr[j]
		c.struct_size = C.uint32_t(size)
		switch {
		case p.Image != nil && p.Audio != nil:
			return nil, &Error{Status: -1, Message: fmt.Sprintf("%s %d holds both an image and an audio clip", what, j)}
		case p.Image != nil:
			a.rlock(&p.Image.mu)
			if p.Image.p == nil {
				return nil, &Error{Status: -1, Message: fmt.Sprintf("%s %d: the image is closed", what, j)}
			}
			c._type, c.image = C.GEMMAKIT_PART_IMAGE, p.Image.p
		case p.Audio != nil:
			a.rlock(&p.Audio.mu)
			if p.Audio.p == nil {
				return nil, &Error{Status: -1, Message: fmt.Sprintf("%s %d: the audio clip is closed", what, j)}
			}
			c._type, c.audio = C.GEMMAKIT_PART_AUDIO, p.Audio.p
		default:
			c._type, c.text = C.GEMMAKIT_PART_TEXT, a.str(p.Text)
		}
	}
	return &arr[0], nil
}

// contentTurns converts a conversation into a C array of gemmakit_content_turn.
func (a *cArgs) contentTurns(turns []Turn) (*C.gemmakit_content_turn, error) {
	if len(turns) == 0 {
		return nil, &Error{Status: -1, Message: "chat: the conversation is empty"}
	}
	size := unsafe.Sizeof(C.gemmakit_content_turn{})
	arr := (*[1 << 20]C.gemmakit_content_turn)(a.alloc(uintptr(len(turns)), size))
	for i, t := range turns {
		parts, err := a.contentParts(t.Parts, fmt.Sprintf("turn %d: part", i))
		if err != nil {
			return nil, err
		}
		arr[i] = C.gemmakit_content_turn{struct_size: C.uint32_t(size), role: a.str(t.Role), parts: parts,
			n_parts: C.size_t(len(t.Parts))}
	}
	return &arr[0], nil
}

// ChatParts generates the model's reply to a conversation whose turns hold text, images and
// audio clips, handing each piece to onText (may be nil; false stops early). Media the session
// already holds from earlier turns are reused, not encoded again.
func (s *Session) ChatParts(turns []Turn, o Options, onText func(string) bool) (Result, error) {
	var a cArgs
	defer a.free()
	cturns, err := a.contentTurns(turns)
	if err != nil {
		return Result{}, err
	}
	params := a.generation(o)
	sink := &textSink{fn: onText}
	h := cgo.NewHandle(sink)
	defer h.Delete()
	C.gk_stream_to(params, C.uintptr_t(h))
	var g C.gemmakit_generation
	g.struct_size = C.uint32_t(unsafe.Sizeof(g))
	err = s.call(func() C.gemmakit_status {
		return C.gemmakit_session_chat_content(s.p, cturns, C.size_t(len(turns)), params, &g)
	})
	if sink.panicked != nil {
		panic(sink.panicked)
	}
	if err != nil {
		return Result{}, err
	}
	return resultOf(&g), nil
}

// BeginChatParts starts the model's reply to a conversation of text, image and audio parts;
// advance it with Step or Stream. The images and clips may be closed once it returns.
func (s *Session) BeginChatParts(turns []Turn, o Options) error {
	var a cArgs
	defer a.free()
	cturns, err := a.contentTurns(turns)
	if err != nil {
		return err
	}
	params := a.generation(o)
	return s.call(func() C.gemmakit_status {
		return C.gemmakit_session_begin_chat_content(s.p, cturns, C.size_t(len(turns)), params)
	})
}

// BeginGenerateMedia starts a raw continuation of prompt in which each "<start_of_image>" and
// "<start_of_audio>" stands for the next image or audio clip of media (in order, per kind);
// advance it with Step or Stream.
func (s *Session) BeginGenerateMedia(prompt string, media []Part, o Options) error {
	var a cArgs
	defer a.free()
	cmedia, err := a.contentParts(media, "media part")
	if err != nil {
		return err
	}
	params := a.generation(o)
	cprompt := a.str(prompt)
	return s.call(func() C.gemmakit_status {
		return C.gemmakit_session_begin_generate_content(s.p, cprompt, cmedia, C.size_t(len(media)), params)
	})
}

// GenerateMedia is Generate with images and audio clips (see BeginGenerateMedia).
func (s *Session) GenerateMedia(prompt string, media []Part, o Options, onText func(string) bool) (Result, error) {
	if err := s.BeginGenerateMedia(prompt, media, o); err != nil {
		return Result{}, err
	}
	return s.drain(onText)
}

// EvalMedia is Eval with images and audio clips: every run of a kind's placeholder id in ids
// (Model.ImageInfo().ImageTokenID, Model.AudioInfo().AudioTokenID) takes the soft tokens of that
// kind's next items of media, in order.
func (s *Session) EvalMedia(ids []int32, media []Part, allLogits bool) error {
	var a cArgs
	defer a.free()
	cmedia, err := a.contentParts(media, "media part")
	if err != nil {
		return err
	}
	return s.call(func() C.gemmakit_status {
		return C.gemmakit_session_eval_content(s.p, idsPtr(ids), C.size_t(len(ids)), cmedia, C.size_t(len(media)),
			logitsMode(allLogits))
	})
}
