// Package gemmakit runs Google's Gemma models locally on CPU, through gemmakit's C ABI.
//
// A Model is immutable and safe for concurrent use; a Session is one conversation and must be
// used by one goroutine at a time. Both hold C memory: Close them (a finalizer frees what is
// forgotten, later). Streaming uses the C pull API, so no C code ever calls back into Go.
package gemmakit

/*
#cgo LDFLAGS: -lgemmakit
#include <stdlib.h>
#include "gemmakit.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// Model holds loaded weights and vocabulary.
type Model struct {
	mu sync.RWMutex // Close waits for calls in flight
	p  *C.gemmakit_model
}

// Info is what gemmakit_model_get_info reports (the most used fields).
type Info struct {
	Architecture, WeightType, Format string
	VocabSize, ContextLength, Layers int64
	HiddenSize, Params               int64
	BOS, EOS, EndOfTurn              int32
	// RecommendedSampling has a Sampling* bit for each field the checkpoint recommends.
	RecommendedSampling int32
}

// Bits of Info.RecommendedSampling.
const (
	SamplingTemperature   = C.GEMMAKIT_SAMPLING_TEMPERATURE
	SamplingTopK          = C.GEMMAKIT_SAMPLING_TOP_K
	SamplingTopP          = C.GEMMAKIT_SAMPLING_TOP_P
	SamplingMinP          = C.GEMMAKIT_SAMPLING_MIN_P
	SamplingRepeatPenalty = C.GEMMAKIT_SAMPLING_REPEAT_PENALTY
	SamplingRepeatLastN   = C.GEMMAKIT_SAMPLING_REPEAT_LAST_N
)

// Version is the library's version ("0.1.0").
func Version() string { return C.GoString(C.gemmakit_version()) }

// Precision says how products meet activations.
type Precision int32

const (
	// Exact keeps float32 activations: the reference's numerics.
	Exact Precision = C.GEMMAKIT_PRECISION_EXACT
	// Fast computes as llama.cpp does: one 8-bit activation term against Q8_0 / Q4_0 weights, and
	// bf16 products for BF16 weights and for prompt and image attention (AVX512_BF16).
	Fast Precision = C.GEMMAKIT_PRECISION_FAST
)

// LoadOptions of LoadWith. The zero value loads as Load does.
type LoadOptions struct {
	MMProj    string // llama.cpp's vision projector GGUF, beside a text GGUF of a multimodal Gemma 3
	Precision Precision
	Threads   int32 // for repacking at load; 0: one per core
	// Slice is a MatFormer slicing spec (JSON file) that cuts a smaller Gemma 3n out of the
	// checkpoint at load.
	Slice string
	// MergeAdapters are PEFT LoRA folders folded into the weights at load (Scale 0 counts as 1).
	MergeAdapters []MergedAdapter
	// WeightType converts the weight matrices at load: a llama-quantize preset or type by its name
	// ("q4_k_m", "q8_0", "bf16", ...; the library's table); "" keeps the stored types.
	WeightType string
}

// MergedAdapter is a LoRA folder merged at load, at a scale.
type MergedAdapter struct {
	Dir   string
	Scale float32
}

// Load reads a HuggingFace checkpoint folder or a GGUF file.
func Load(path string) (*Model, error) { return LoadWith(path, LoadOptions{}) }

// LoadWith is Load with options.
func LoadWith(path string, o LoadOptions) (*Model, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var params C.gemmakit_model_params
	if err := check(C.gemmakit_model_params_init(&params, C.size_t(unsafe.Sizeof(params)))); err != nil {
		return nil, err
	}
	params.n_threads = C.int32_t(o.Threads)
	params.precision = C.int32_t(o.Precision)
	if o.MMProj != "" {
		params.mmproj_path = C.CString(o.MMProj)
		defer C.free(unsafe.Pointer(params.mmproj_path))
	}
	if o.Slice != "" {
		params.slice_path = C.CString(o.Slice)
		defer C.free(unsafe.Pointer(params.slice_path))
	}
	if n := len(o.MergeAdapters); n > 0 {
		dirs := (*[1 << 20]*C.char)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(uintptr(0)))))[:n:n]
		scales := (*[1 << 20]C.float)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(C.float(0)))))[:n:n]
		defer C.free(unsafe.Pointer(&dirs[0]))
		defer C.free(unsafe.Pointer(&scales[0]))
		for i, a := range o.MergeAdapters {
			dirs[i] = C.CString(a.Dir)
			defer C.free(unsafe.Pointer(dirs[i]))
			scales[i] = C.float(a.Scale)
			if a.Scale == 0 {
				scales[i] = 1
			}
		}
		params.merge_adapters = &dirs[0]
		params.merge_adapter_scales = &scales[0]
		params.n_merge_adapters = C.int32_t(n)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if o.WeightType != "" {
		name := C.CString(o.WeightType)
		defer C.free(unsafe.Pointer(name))
		if err := check(C.gemmakit_weight_type_from_name(name, &params.weight_type)); err != nil {
			return nil, err
		}
	}
	m := &Model{}
	if err := check(C.gemmakit_model_load(cpath, &params, &m.p)); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(m, (*Model).Close)
	return m, nil
}

// ImageInfo is the model's image geometry.
type ImageInfo struct {
	ImageTokenID, TokensPerImage, ImageSize int32
}

// ImageInfo fails (ErrUnsupported status) for a model without a vision tower.
func (m *Model) ImageInfo() (ImageInfo, error) {
	var id, per, side C.int32_t
	err := m.use(func(p *C.gemmakit_model) error { return check(C.gemmakit_model_image_info(p, &id, &per, &side)) })
	return ImageInfo{int32(id), int32(per), int32(side)}, err
}

// AudioInfo is the model's audio side (Gemma 3n): the placeholder id audio soft tokens take in
// id lists, the soft tokens of one clip (or window), and the seconds of one window.
type AudioInfo struct {
	AudioTokenID, TokensPerClip int32
	WindowSeconds               float64
}

// AudioInfo fails (ErrUnsupported status) for a model without an audio tower.
func (m *Model) AudioInfo() (AudioInfo, error) {
	var id, per C.int32_t
	var window C.double
	err := m.use(func(p *C.gemmakit_model) error { return check(C.gemmakit_model_audio_info(p, &id, &per, &window)) })
	return AudioInfo{int32(id), int32(per), float64(window)}, err
}

// Close frees the model. Sessions keep their own reference: a session made from it stays usable.
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.p != nil {
		C.gemmakit_model_free(m.p)
		m.p = nil
	}
	return nil
}

// use runs fn with the live handle on a locked OS thread (for the thread-local error message).
func (m *Model) use(fn func(p *C.gemmakit_model) error) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.p == nil {
		return &Error{Status: -1, Message: "model is closed"}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return fn(m.p)
}

// Info describes the model.
func (m *Model) Info() (Info, error) {
	var i C.gemmakit_model_info
	i.struct_size = C.uint32_t(unsafe.Sizeof(i))
	err := m.use(func(p *C.gemmakit_model) error { return check(C.gemmakit_model_get_info(p, &i)) })
	if err != nil {
		return Info{}, err
	}
	return Info{
		Architecture: C.GoString(&i.architecture[0]), WeightType: C.GoString(&i.weight_type[0]),
		Format: C.GoString(&i.format[0]), VocabSize: int64(i.vocab_size), ContextLength: int64(i.context_length),
		Layers: int64(i.n_layers), HiddenSize: int64(i.hidden_size), Params: int64(i.n_params),
		BOS: int32(i.bos_id), EOS: int32(i.eos_id), EndOfTurn: int32(i.end_of_turn_id),
		RecommendedSampling: int32(i.recommended_sampling),
	}, nil
}

// Tokenize returns the token ids of text; addBOS puts <bos> first, as generation does.
func (m *Model) Tokenize(text string, addBOS bool) ([]int32, error) {
	return m.TokenizeWith(text, addBOS, false)
}

// TokenizeWith is Tokenize where parseSpecial makes "<bos>", "<start_of_turn>"... written in
// the text their ids (for text ApplyChatTemplate rendered).
func (m *Model) TokenizeWith(text string, addBOS, parseSpecial bool) ([]int32, error) {
	ctext := C.CString(text)
	defer C.free(unsafe.Pointer(ctext))
	flags := C.int32_t(0)
	if addBOS {
		flags = C.GEMMAKIT_TOKENIZE_ADD_BOS
	}
	if parseSpecial {
		flags |= C.GEMMAKIT_TOKENIZE_PARSE_SPECIAL
	}
	ids := make([]int32, len(text)+2)
	var n C.size_t
	err := m.use(func(p *C.gemmakit_model) error {
		return check(C.gemmakit_tokenize(p, ctext, C.size_t(len(text)), flags, (*C.int32_t)(unsafe.Pointer(&ids[0])),
			C.size_t(len(ids)), &n))
	})
	if err != nil {
		return nil, err
	}
	return ids[:n], nil
}

// Detokenize turns ids back into text.
func (m *Model) Detokenize(ids []int32) (string, error) {
	if len(ids) == 0 {
		return "", nil
	}
	var out string
	err := m.use(func(p *C.gemmakit_model) error {
		cids := (*C.int32_t)(unsafe.Pointer(&ids[0]))
		var needed C.size_t
		status := C.gemmakit_detokenize(p, cids, C.size_t(len(ids)), nil, 0, &needed)
		if status != C.GEMMAKIT_ERR_BUFFER_TOO_SMALL {
			if err := check(status); err != nil {
				return err
			}
		}
		buf := (*C.char)(C.malloc(needed))
		defer C.free(unsafe.Pointer(buf))
		if err := check(C.gemmakit_detokenize(p, cids, C.size_t(len(ids)), buf, needed, &needed)); err != nil {
			return err
		}
		out = C.GoStringN(buf, C.int(needed-1))
		return nil
	})
	return out, err
}
