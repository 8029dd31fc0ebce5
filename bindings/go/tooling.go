package gemmakit

// Model calls for tooling: the resolved config, GGUF export, and the kernels run so far.

/*
#include <stdlib.h>
#include "gemmakit.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// ResolvedConfig is the hyper-parameters as resolved from the checkpoint, one "name value" a line.
func (m *Model) ResolvedConfig() (string, error) {
	var out string
	err := m.use(func(p *C.gemmakit_model) error {
		var needed C.size_t
		if err := check(C.gemmakit_model_resolved_config(p, nil, 0, &needed)); err != nil &&
			!isStatus(err, C.GEMMAKIT_ERR_BUFFER_TOO_SMALL) {
			return err
		}
		buf := (*C.char)(C.malloc(needed + 1))
		defer C.free(unsafe.Pointer(buf))
		if err := check(C.gemmakit_model_resolved_config(p, buf, needed+1, &needed)); err != nil {
			return err
		}
		out = C.GoString(buf)
		return nil
	})
	return out, err
}

// SaveGGUF writes the model, weights as loaded, as a GGUF file llama.cpp can load.
func (m *Model) SaveGGUF(path string) error {
	c := C.CString(path)
	defer C.free(unsafe.Pointer(c))
	return m.use(func(p *C.gemmakit_model) error { return check(C.gemmakit_model_save_gguf(p, c)) })
}

// KernelsUsed says which instruction set and matmul kernels this process ran so far.
func KernelsUsed() string {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return C.GoString(C.gemmakit_kernels_used())
}
