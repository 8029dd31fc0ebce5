package gemmakit

/*
#include <stdlib.h>
#include "gemmakit.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// AudioSampleRate is the rate of an Audio clip's samples (what Gemma 3n's audio front end reads).
const AudioSampleRate = 16000

// Audio is a clip as mono float32 samples at 16 kHz, for chat parts and media lists (Gemma 3n).
// Immutable: safe for concurrent use.
type Audio struct {
	mu sync.RWMutex // Close waits for calls that read it
	p  *C.gemmakit_audio
}

func newAudio(fn func(out **C.gemmakit_audio) C.gemmakit_status) (*Audio, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	a := &Audio{}
	if err := check(fn(&a.p)); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(a, (*Audio).Close)
	return a, nil
}

// LoadAudio decodes an audio file (WAV, FLAC, Ogg); channels are averaged, other rates resampled
// to 16 kHz.
func LoadAudio(path string) (*Audio, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return newAudio(func(out **C.gemmakit_audio) C.gemmakit_status { return C.gemmakit_audio_load(cpath, out) })
}

// DecodeAudio decodes the bytes of an audio file.
func DecodeAudio(data []byte) (*Audio, error) {
	var buf unsafe.Pointer
	if len(data) > 0 {
		buf = C.CBytes(data) // cgo may not keep a pointer to Go memory past the call; this is a copy
		defer C.free(buf)
	}
	return newAudio(func(out **C.gemmakit_audio) C.gemmakit_status {
		return C.gemmakit_audio_decode(buf, C.size_t(len(data)), out)
	})
}

// pcmFrames is the number of frames of n interleaved samples of channels each; a channel count
// the library refuses goes through to it (its message), a partial frame is refused here.
func pcmFrames(n, channels int) (int, error) {
	if channels <= 0 {
		return n, nil
	}
	if n%channels != 0 {
		return 0, &Error{Status: -1, Message: "PCM length is not a multiple of the channel count"}
	}
	return n / channels, nil
}

// AudioFromPCMF32 copies interleaved float32 PCM (nominally in [-1, 1]) of channels channels at
// sampleRate Hz.
func AudioFromPCMF32(pcm []float32, sampleRate, channels int) (*Audio, error) {
	frames, err := pcmFrames(len(pcm), channels)
	if err != nil {
		return nil, err
	}
	var p *C.float
	if len(pcm) > 0 {
		p = (*C.float)(unsafe.Pointer(&pcm[0])) // Go memory without pointers: the library copies it
	}
	return newAudio(func(out **C.gemmakit_audio) C.gemmakit_status {
		return C.gemmakit_audio_from_pcm_f32(p, C.size_t(frames), C.int32_t(sampleRate), C.int32_t(channels), out)
	})
}

// AudioFromPCMI16 copies interleaved signed 16-bit PCM of channels channels at sampleRate Hz.
func AudioFromPCMI16(pcm []int16, sampleRate, channels int) (*Audio, error) {
	frames, err := pcmFrames(len(pcm), channels)
	if err != nil {
		return nil, err
	}
	var p *C.int16_t
	if len(pcm) > 0 {
		p = (*C.int16_t)(unsafe.Pointer(&pcm[0]))
	}
	return newAudio(func(out **C.gemmakit_audio) C.gemmakit_status {
		return C.gemmakit_audio_from_pcm_i16(p, C.size_t(frames), C.int32_t(sampleRate), C.int32_t(channels), out)
	})
}

// SampleCount is the number of 16 kHz mono samples in the clip.
func (a *Audio) SampleCount() (int, error) {
	var n C.size_t
	err := a.use(func(p *C.gemmakit_audio) C.gemmakit_status { return C.gemmakit_audio_samples(p, nil, &n) })
	return int(n), err
}

// Samples is a copy of the clip's 16 kHz mono samples.
func (a *Audio) Samples() ([]float32, error) {
	var out []float32
	err := a.use(func(p *C.gemmakit_audio) C.gemmakit_status {
		var s *C.float
		var n C.size_t
		st := C.gemmakit_audio_samples(p, &s, &n)
		if st == C.GEMMAKIT_OK {
			out = make([]float32, int(n))
			if n > 0 {
				copy(out, unsafe.Slice((*float32)(unsafe.Pointer(s)), int(n)))
			}
		}
		return st
	})
	return out, err
}

// Close frees the clip (idempotent).
func (a *Audio) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.p != nil {
		C.gemmakit_audio_free(a.p)
		a.p = nil
	}
	return nil
}

func (a *Audio) use(fn func(p *C.gemmakit_audio) C.gemmakit_status) error {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.p == nil {
		return &Error{Status: -1, Message: "audio is closed"}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return check(fn(a.p))
}
