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

// Image is an image as 8-bit RGB pixels, for chat parts. Immutable: safe for concurrent use.
type Image struct {
	mu sync.RWMutex // Close waits for calls that read it
	p  *C.gemmakit_image
}

func newImage(fn func(out **C.gemmakit_image) C.gemmakit_status) (*Image, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	img := &Image{}
	if err := check(fn(&img.p)); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(img, (*Image).Close)
	return img, nil
}

// LoadImage decodes a JPEG or PNG file.
func LoadImage(path string) (*Image, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return newImage(func(out **C.gemmakit_image) C.gemmakit_status { return C.gemmakit_image_load(cpath, out) })
}

// DecodeImage decodes JPEG or PNG bytes.
func DecodeImage(data []byte) (*Image, error) {
	buf := C.CBytes(data) // cgo may not keep a pointer to Go memory past the call; this is a copy
	defer C.free(buf)
	return newImage(func(out **C.gemmakit_image) C.gemmakit_status {
		return C.gemmakit_image_decode(buf, C.size_t(len(data)), out)
	})
}

// ImageFromPixels copies rows of RGB (channels 3) or RGBA (4, alpha dropped) bytes, stride bytes apart.
func ImageFromPixels(pix []byte, width, height, stride, channels int) (*Image, error) {
	if height > 0 && len(pix) < stride*(height-1)+width*channels {
		return nil, &Error{Status: -1, Message: "pixel buffer too small for its width, height and stride"}
	}
	var buf unsafe.Pointer
	if len(pix) > 0 {
		buf = C.CBytes(pix)
		defer C.free(buf)
	}
	return newImage(func(out **C.gemmakit_image) C.gemmakit_status {
		return C.gemmakit_image_from_pixels((*C.uint8_t)(buf), C.int32_t(width), C.int32_t(height), C.size_t(stride),
			C.int32_t(channels), out)
	})
}

// Size is the image's width and height in pixels.
func (img *Image) Size() (width, height int, err error) {
	var w, h C.int32_t
	err = img.use(func(p *C.gemmakit_image) C.gemmakit_status { return C.gemmakit_image_size(p, &w, &h) })
	return int(w), int(h), err
}

// Close frees the image (idempotent).
func (img *Image) Close() error {
	img.mu.Lock()
	defer img.mu.Unlock()
	if img.p != nil {
		C.gemmakit_image_free(img.p)
		img.p = nil
	}
	return nil
}

func (img *Image) use(fn func(p *C.gemmakit_image) C.gemmakit_status) error {
	img.mu.RLock()
	defer img.mu.RUnlock()
	if img.p == nil {
		return &Error{Status: -1, Message: "image is closed"}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return check(fn(img.p))
}
