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

// Adapter is a PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) loaded
// for one model. Immutable: safe for concurrent use; Session.SetAdapters makes it active.
type Adapter struct {
	mu    sync.RWMutex // Close waits for calls that read it
	p     *C.gemmakit_adapter
	model *Model
}

// LoadAdapter loads dir for m. Shape mismatches (an adapter for another base) name the tensor;
// DoRA, IA3 and other PEFT types, and targets other than the seven projections, are refused.
func (m *Model) LoadAdapter(dir string) (*Adapter, error) {
	cdir := C.CString(dir)
	defer C.free(unsafe.Pointer(cdir))
	a := &Adapter{model: m}
	if err := m.use(func(p *C.gemmakit_model) error { return check(C.gemmakit_adapter_load(p, cdir, &a.p)) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(a, (*Adapter).Close)
	return a, nil
}

// Rank and Scaling (PEFT's lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora).
func (a *Adapter) Info() (rank int32, scaling float64, err error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var r C.int32_t
	var s C.double
	err = check(C.gemmakit_adapter_info(a.p, &r, &s))
	return int32(r), float64(s), err
}

// Close frees the adapter; sessions that use it keep what they need.
func (a *Adapter) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.p != nil {
		C.gemmakit_adapter_free(a.p)
		a.p = nil
	}
	return nil
}

// ActiveAdapter is an adapter at a scale (1: as trained).
type ActiveAdapter struct {
	Adapter *Adapter
	Scale   float32
}

// SetAdapters makes adapters active for later evaluations; none returns to the base model. A set
// that differs from the current one forgets the session's tokens.
func (s *Session) SetAdapters(adapters ...ActiveAdapter) error {
	n := len(adapters)
	handles := (*[1 << 20]*C.gemmakit_adapter)(C.malloc(C.size_t(n+1) * C.size_t(unsafe.Sizeof(uintptr(0)))))[: n+1 : n+1]
	scales := (*[1 << 20]C.float)(C.malloc(C.size_t(n+1) * C.size_t(unsafe.Sizeof(C.float(0)))))[: n+1 : n+1]
	defer C.free(unsafe.Pointer(&handles[0]))
	defer C.free(unsafe.Pointer(&scales[0]))
	for i, a := range adapters {
		if a.Adapter == nil {
			handles[i] = nil
		} else {
			a.Adapter.mu.RLock()
			defer a.Adapter.mu.RUnlock()
			handles[i] = a.Adapter.p
		}
		scales[i] = C.float(a.Scale)
	}
	return s.call(func() C.gemmakit_status {
		return C.gemmakit_session_set_adapters(s.p, &handles[0], &scales[0], C.size_t(n))
	})
}
