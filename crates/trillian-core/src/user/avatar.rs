//! Avatars: an image from the user's disk is decoded here under limits, cropped square, resized
//! and encoded as PNG before it is sent; what the server holds is decoded the same way before
//! the UI sees it (a hostile image never reaches the web view's decoders).

use std::io::Cursor;
use std::panic::AssertUnwindSafe;

use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};

use crate::error::{Error, Result};

/// The side of an avatar as sent, in pixels.
pub const AVATAR_SIDE: u32 = 256;
/// Largest image file accepted (checked before it is read whole).
pub const MAX_IMAGE_BYTES: u64 = 32 * 1024 * 1024;
/// Largest width or height decoded.
pub const MAX_DIMENSION: u32 = 12_000;
/// Most memory one decode may allocate.
pub const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;

/// Decodes `bytes` (PNG, JPEG, GIF or WebP) under limits, crops the centre square and resizes
/// it to at most `side` pixels, and encodes PNG. CPU work: call it from a blocking thread.
pub fn square_png(bytes: &[u8], side: u32) -> Result<Vec<u8>> {
    if bytes.len() as u64 > MAX_IMAGE_BYTES {
        return Err(too_large());
    }
    // A decoder that panics on a hostile file must not take the app down.
    std::panic::catch_unwind(AssertUnwindSafe(|| square_png_inner(bytes, side))).unwrap_or_else(
        |_| {
            Err(Error::invalid(
                "image",
                "the image decoder failed on this file",
            ))
        },
    )
}

fn too_large() -> Error {
    Error::invalid(
        "image",
        format!(
            "the file is larger than {} MiB",
            MAX_IMAGE_BYTES / (1024 * 1024)
        ),
    )
}

fn square_png_inner(bytes: &[u8], side: u32) -> Result<Vec<u8>> {
    let image = decode(bytes)?;
    let (w, h) = (image.width(), image.height());
    let edge = w.min(h);
    if edge == 0 {
        return Err(Error::invalid("image", "the image is empty"));
    }
    let square = image.crop_imm((w - edge) / 2, (h - edge) / 2, edge, edge);
    let target = side.clamp(1, edge);
    let resized = if target == edge {
        square
    } else {
        square.resize_exact(target, target, FilterType::Lanczos3)
    };
    let mut out = Vec::new();
    resized
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .map_err(|e| Error::invalid("image", format!("cannot encode PNG: {e}")))?;
    Ok(out)
}

fn decode(bytes: &[u8]) -> Result<DynamicImage> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::invalid("image", format!("cannot read the image: {e}")))?;
    let Some(format) = reader.format() else {
        return Err(Error::invalid(
            "image",
            "not an image this app reads (PNG, JPEG, GIF, WebP)",
        ));
    };
    // A phone photo is stored sideways with an EXIF tag saying how to turn it for display.
    let orientation = ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .and_then(|mut d| image::ImageDecoder::orientation(&mut d))
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let mut image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => Error::invalid(
            "image",
            format!("the image is too large to decode (at most {MAX_DIMENSION} pixels a side)"),
        ),
        other => Error::invalid("image", format!("cannot decode the image: {other}")),
    })?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// A PNG as a `data:` URL (the web view's CSP allows `img-src data:`).
pub fn png_data_url(png: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

/// Reads an image file with the size cap checked first (for drops and picks in the shell).
pub fn read_image_file(path: &std::path::Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let len = file
        .metadata()
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?
        .len();
    if len > MAX_IMAGE_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(MAX_IMAGE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    if bytes.len() as u64 > MAX_IMAGE_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgba, RgbaImage};

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = RgbaImage::from_fn(w, h, |x, _| {
            if x < w / 2 {
                Rgba([255, 0, 0, 255])
            } else {
                Rgba([0, 0, 255, 255])
            }
        });
        let mut out = Vec::new();
        DynamicImage::ImageRgba8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_sideways_phone_photo_becomes_an_upright_avatar() {
        // Left half red, right half blue, tagged "rotate 90° clockwise to display" (6).
        let img = image::RgbImage::from_fn(200, 100, |x, _| {
            if x < 100 {
                image::Rgb([230, 20, 20])
            } else {
                image::Rgb([20, 20, 230])
            }
        });
        let mut jpeg = Vec::new();
        DynamicImage::from(img)
            .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
            .unwrap();
        let tagged = crate::media::thumbnail::with_exif_orientation(&jpeg, 6);
        let out = image::load_from_memory(&square_png(&tagged, 100).unwrap())
            .unwrap()
            .to_rgb8();
        let (top, bottom) = (out.get_pixel(50, 10), out.get_pixel(50, 90));
        assert!(top[0] > 150 && top[2] < 100, "upright: red on top {top:?}");
        assert!(bottom[2] > 150 && bottom[0] < 100, "blue below {bottom:?}");
    }

    #[test]
    fn wide_images_become_centred_squares() {
        let out = square_png(&png(600, 300), AVATAR_SIDE).expect("avatar");
        let img = image::load_from_memory(&out).expect("png out");
        assert_eq!((img.width(), img.height()), (256, 256));
        let small = square_png(&png(40, 90), AVATAR_SIDE).expect("avatar");
        let img = image::load_from_memory(&small).expect("png out");
        assert_eq!((img.width(), img.height()), (40, 40), "never enlarged");
    }

    #[test]
    fn a_png_declaring_huge_dimensions_is_refused_before_allocating() {
        // A valid 1×1 PNG whose IHDR claims 60000×60000 (CRC fixed after editing).
        let mut bytes = png(1, 1);
        bytes[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        bytes[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        let err = square_png(&bytes, AVATAR_SIDE).expect_err("refused");
        assert!(err.to_string().contains("too large"), "{err}");
    }

    #[test]
    fn junk_and_oversized_input_is_an_error_not_a_panic() {
        assert!(square_png(b"not an image at all", 256).is_err());
        assert!(square_png(&png(10, 10)[..40], 256).is_err(), "truncated");
        let huge = vec![0u8; (MAX_IMAGE_BYTES + 1) as usize];
        assert!(square_png(&huge, 256).is_err());
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
