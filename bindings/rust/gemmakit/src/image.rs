use std::os::raw::c_void;
use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::Arc;

use gemmakit_sys as sys;

use crate::error::{c_text, check, Error, Result};

struct Handle(NonNull<sys::gemmakit_image>);

// The C contract: an image is immutable and may be shared by any number of calls and threads.
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        unsafe { sys::gemmakit_image_free(self.0.as_ptr()) }
    }
}

/// An image as 8-bit RGB pixels, for [`Part::Image`](crate::Part). Cloning shares the pixels.
#[derive(Clone)]
pub struct Image {
    handle: Arc<Handle>,
}

impl Image {
    fn wrap(raw: *mut sys::gemmakit_image) -> Result<Image> {
        let h = NonNull::new(raw).ok_or_else(|| Error::invalid("image call returned NULL"))?;
        Ok(Image { handle: Arc::new(Handle(h)) })
    }

    /// Decodes a JPEG or PNG file.
    pub fn load<P: AsRef<Path>>(path: P) -> Result<Image> {
        let path = path.as_ref().to_str().ok_or_else(|| Error::invalid("path is not UTF-8"))?;
        let c_path = c_text(path)?;
        let mut raw = ptr::null_mut();
        check(unsafe { sys::gemmakit_image_load(c_path.as_ptr(), &mut raw) })?;
        Image::wrap(raw)
    }

    /// Decodes JPEG or PNG bytes.
    pub fn decode(bytes: &[u8]) -> Result<Image> {
        let mut raw = ptr::null_mut();
        check(unsafe { sys::gemmakit_image_decode(bytes.as_ptr() as *const c_void, bytes.len(), &mut raw) })?;
        Image::wrap(raw)
    }

    /// Copies pixels the application holds: `channels` 3 (RGB) or 4 (RGBA, alpha dropped), rows
    /// `stride` bytes apart.
    pub fn from_pixels(pixels: &[u8], width: i32, height: i32, stride: usize, channels: i32) -> Result<Image> {
        // The C side trusts the buffer's length: check it here, where the slice knows it.
        let rows = usize::try_from(height).map_err(|_| Error::invalid("height must be >= 0"))?;
        let row = usize::try_from(width).unwrap_or(0) * usize::try_from(channels).unwrap_or(0);
        if rows > 0 && pixels.len() < stride * (rows - 1) + row {
            return Err(Error::invalid("pixel buffer too small for its width, height and stride"));
        }
        let mut raw = ptr::null_mut();
        check(unsafe { sys::gemmakit_image_from_pixels(pixels.as_ptr(), width, height, stride, channels, &mut raw) })?;
        Image::wrap(raw)
    }

    /// (width, height) in pixels.
    pub fn size(&self) -> Result<(i32, i32)> {
        let (mut w, mut h) = (0i32, 0i32);
        check(unsafe { sys::gemmakit_image_size(self.raw(), &mut w, &mut h) })?;
        Ok((w, h))
    }

    pub(crate) fn raw(&self) -> *const sys::gemmakit_image {
        self.handle.0.as_ptr()
    }
}
