package gemmakit

/*
#include <stdlib.h>
#include "gemmakit.h"
*/
import "C"

import "unsafe"

// EmbedOptions of Embed. The zero value embeds with the model's default prompt at full width.
type EmbedOptions struct {
	// PromptName is one of the model's named prompts ("query", "document", "STS", ...) put before
	// each text; "" uses the model's default prompt (EmbeddingGemma: none).
	PromptName string
	// Dim keeps the first Dim values, renormalised (Matryoshka: 512, 256, 128); 0 keeps all.
	Dim     int32
	Threads int32 // 0: one per core
}

// EmbeddingDim is the full embedding width; it fails (ErrUnsupported) for a model that computes
// no embeddings.
func (m *Model) EmbeddingDim() (int, error) {
	var dim C.int32_t
	err := m.use(func(p *C.gemmakit_model) error { return check(C.gemmakit_model_embedding_dim(p, &dim)) })
	return int(dim), err
}

// Embed returns one embedding per text, in order, from an embedding model (EmbeddingGemma).
func (m *Model) Embed(texts []string, o EmbedOptions) ([][]float32, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	width := int(o.Dim)
	if width == 0 {
		var err error
		if width, err = m.EmbeddingDim(); err != nil {
			return nil, err
		}
	}
	// The text pointers live in C memory: cgo forbids passing Go memory that holds pointers.
	ptrs := (*[1 << 28]*C.char)(C.malloc(C.size_t(len(texts)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))[:len(texts):len(texts)]
	defer C.free(unsafe.Pointer(&ptrs[0]))
	for i, t := range texts {
		ptrs[i] = C.CString(t)
		defer C.free(unsafe.Pointer(ptrs[i]))
	}
	var params C.gemmakit_embed_params
	if err := check(C.gemmakit_embed_params_init(&params, C.size_t(unsafe.Sizeof(params)))); err != nil {
		return nil, err
	}
	if o.PromptName != "" {
		params.prompt_name = C.CString(o.PromptName)
		defer C.free(unsafe.Pointer(params.prompt_name))
	}
	params.dim = C.int32_t(o.Dim)
	params.n_threads = C.int32_t(o.Threads)
	out := make([]float32, len(texts)*width)
	err := m.use(func(p *C.gemmakit_model) error {
		return check(C.gemmakit_embed(p, &ptrs[0], C.size_t(len(texts)), &params, (*C.float)(unsafe.Pointer(&out[0])),
			C.size_t(len(out))))
	})
	if err != nil {
		return nil, err
	}
	rows := make([][]float32, len(texts))
	for i := range rows {
		rows[i] = out[i*width : (i+1)*width : (i+1)*width]
	}
	return rows, nil
}
