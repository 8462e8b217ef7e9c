//! Thumbnails made locally, and bounded decoding of images from files and servers.
//!
//! Every decode is bounded before a pixel buffer is allocated: the file size is checked before
//! it is read whole, the dimensions are read from the header and checked against
//! [`ImageLimits`], the decoders get `image::Limits` (width, height, memory), and a decoder
//! panic is caught and reported as [`ThumbnailError::DecoderPanicked`]. Only PNG, JPEG, GIF and
//! WebP are compiled in (no AVIF: its decoder ignores limits).
//!
//! JPEG takes a fast path: `jpeg-decoder` decodes at 1/2, 1/4 or 1/8 scale (DCT scaling) when
//! the target is small, which touches up to 64 times fewer pixels than a full decode. The
//! other formats are decoded by `image`. Resizing is `fast_image_resize` (Lanczos3, alpha
//! premultiplied). The result is JPEG, or PNG when the image has transparency, longest side
//! ≤ 256 px, re-encoded at lower quality (then smaller) until it is ≤ 65,535 bytes.

use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use fast_image_resize as fr;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::{DynamicImage, ExtendedColorType, ImageEncoder, ImageFormat, ImageReader};
use serde::Serialize;

/// Longest side of a thumbnail, in pixels.
pub const MAX_SIDE: u32 = 256;

/// Largest thumbnail the API accepts, in bytes.
pub const MAX_THUMBNAIL_BYTES: usize = 65_535;

/// JPEG qualities tried in turn until the thumbnail fits.
const QUALITIES: [u8; 6] = [85, 75, 65, 50, 38, 25];

/// Bounds on what is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// Files larger than this are not read (refused before reading).
    pub max_file_bytes: u64,
    /// Widest image decoded.
    pub max_width: u32,
    /// Tallest image decoded.
    pub max_height: u32,
    /// Most memory one decode may allocate.
    pub max_alloc: u64,
}

impl Default for ImageLimits {
    /// 128 MiB files, 20,000 px a side, 512 MiB of decoder memory.
    fn default() -> Self {
        ImageLimits {
            max_file_bytes: 128 * 1024 * 1024,
            max_width: 20_000,
            max_height: 20_000,
            max_alloc: 512 * 1024 * 1024,
        }
    }
}

impl ImageLimits {
    fn image_limits(&self) -> image::Limits {
        let mut l = image::Limits::default();
        l.max_image_width = Some(self.max_width);
        l.max_image_height = Some(self.max_height);
        l.max_alloc = Some(self.max_alloc);
        l
    }

    fn check(&self, width: u32, height: u32) -> Result<(), ThumbnailError> {
        if width > self.max_width || height > self.max_height {
            return Err(ThumbnailError::TooManyPixels {
                width,
                height,
                max_width: self.max_width,
                max_height: self.max_height,
            });
        }
        Ok(())
    }
}

/// Why no thumbnail (or no decoded image) could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ThumbnailError {
    /// Not a PNG, JPEG, GIF or WebP file.
    #[error("not an image the app reads (PNG, JPEG, GIF, WebP)")]
    NotAnImage,
    /// The file is over the size cap; it was not read.
    #[error("the file is {size} bytes; images over {limit} bytes are not decoded")]
    FileTooLarge {
        /// The file's size.
        size: u64,
        /// The cap.
        limit: u64,
    },
    /// The header declares more pixels than allowed; nothing was allocated.
    #[error("the image declares {width}×{height} pixels, over the {max_width}×{max_height} limit")]
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// Allowed width.
        max_width: u32,
        /// Allowed height.
        max_height: u32,
    },
    /// Decoding would need more memory than allowed.
    #[error("decoding the image would need more than {limit} bytes of memory")]
    TooMuchMemory {
        /// The memory cap.
        limit: u64,
    },
    /// The file is damaged or truncated.
    #[error("the image is damaged: {0}")]
    Corrupt(String),
    /// The decoder panicked on this file (caught).
    #[error("the image decoder crashed on this file")]
    DecoderPanicked,
    /// No encoding fitted under 65,535 bytes.
    #[error("no thumbnail of at most {MAX_THUMBNAIL_BYTES} bytes could be made")]
    TooLargeOutput,
    /// The file could not be read.
    #[error("the file cannot be read: {0}")]
    Read(String),
}

/// The image formats the app decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Format {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// GIF (first frame).
    Gif,
    /// WebP (first frame).
    WebP,
}

impl Format {
    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Gif => "image/gif",
            Format::WebP => "image/webp",
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            Format::Png => ImageFormat::Png,
            Format::Jpeg => ImageFormat::Jpeg,
            Format::Gif => ImageFormat::Gif,
            Format::WebP => ImageFormat::WebP,
        }
    }
}

/// The format of `bytes` from its magic number, if it is one the app decodes.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    match image::guess_format(bytes).ok()? {
        ImageFormat::Png => Some(Format::Png),
        ImageFormat::Jpeg => Some(Format::Jpeg),
        ImageFormat::Gif => Some(Format::Gif),
        ImageFormat::WebP => Some(Format::WebP),
        _ => None,
    }
}

/// What an image's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageHeader {
    /// The format.
    pub format: Format,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// A finished thumbnail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    /// JPEG or PNG bytes, at most [`MAX_THUMBNAIL_BYTES`].
    pub bytes: Vec<u8>,
    /// `image/jpeg` or `image/png`.
    pub content_type: &'static str,
    /// The thumbnail's width.
    pub width: u32,
    /// The thumbnail's height.
    pub height: u32,
    /// The source image's header.
    pub source: ImageHeader,
}

/// The header of `bytes` (format and dimensions), without decoding pixels.
pub fn header(bytes: &[u8]) -> Result<ImageHeader, ThumbnailError> {
    guarded(|| header_inner(bytes))
}

fn header_inner(bytes: &[u8]) -> Result<ImageHeader, ThumbnailError> {
    let format = sniff(bytes).ok_or(ThumbnailError::NotAnImage)?;
    let reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    let (width, height) = reader.into_dimensions().map_err(image_error)?;
    Ok(ImageHeader {
        format,
        width,
        height,
    })
}

/// A thumbnail of the image file at `path`. The file's size is checked before it is read.
pub fn thumbnail_file(path: &Path, limits: &ImageLimits) -> Result<Thumbnail, ThumbnailError> {
    let bytes = read_capped(path, limits.max_file_bytes)?;
    thumbnail(&bytes, limits)
}

/// Reads a whole file if it is at most `cap` bytes (checked before reading, and again while
/// reading, in case the file grows).
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ThumbnailError> {
    let file = std::fs::File::open(path).map_err(|e| ThumbnailError::Read(e.to_string()))?;
    let size = file
        .metadata()
        .map_err(|e| ThumbnailError::Read(e.to_string()))?
        .len();
    if size > cap {
        return Err(ThumbnailError::FileTooLarge { size, limit: cap });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ThumbnailError::Read(e.to_string()))?;
    if bytes.len() as u64 > cap {
        return Err(ThumbnailError::FileTooLarge {
            size: bytes.len() as u64,
            limit: cap,
        });
    }
    Ok(bytes)
}

/// A thumbnail of the image in `bytes` (longest side ≤ 256 px, ≤ 65,535 bytes). Also the way
/// a server's thumbnail is made safe for display: decoded under limits, re-encoded here.
pub fn thumbnail(bytes: &[u8], limits: &ImageLimits) -> Result<Thumbnail, ThumbnailError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(ThumbnailError::FileTooLarge {
            size: bytes.len() as u64,
            limit: limits.max_file_bytes,
        });
    }
    guarded(|| {
        let (source, pixels) = decode_for_thumbnail(bytes, limits)?;
        let thumb = encode_thumbnail(pixels)?;
        Ok(Thumbnail { source, ..thumb })
    })
}

/// Runs `work`, turning a panic inside it (a decoder bug) into an error.
fn guarded<T>(work: impl FnOnce() -> Result<T, ThumbnailError>) -> Result<T, ThumbnailError> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or(Err(ThumbnailError::DecoderPanicked))
}

/// Decoded pixels, 8 bits a channel.
struct Pixels {
    width: u32,
    height: u32,
    layout: Layout,
    data: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Gray,
    Rgb,
    Rgba,
}

impl Layout {
    fn pixel_type(self) -> fr::PixelType {
        match self {
            Layout::Gray => fr::PixelType::U8,
            Layout::Rgb => fr::PixelType::U8x3,
            Layout::Rgba => fr::PixelType::U8x4,
        }
    }
    fn color_type(self) -> ExtendedColorType {
        match self {
            Layout::Gray => ExtendedColorType::L8,
            Layout::Rgb => ExtendedColorType::Rgb8,
            Layout::Rgba => ExtendedColorType::Rgba8,
        }
    }
}

/// The size a `width`×`height` image is scaled to (never up).
pub fn fit(width: u32, height: u32, side: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= side || longest == 0 {
        return (width.max(1), height.max(1));
    }
    let scale = |v: u32| {
        let scaled = (u64::from(v) * u64::from(side) + u64::from(longest) / 2) / u64::from(longest);
        u32::try_from(scaled).unwrap_or(side).max(1)
    };
    (scale(width), scale(height))
}

fn decode_for_thumbnail(
    bytes: &[u8],
    limits: &ImageLimits,
) -> Result<(ImageHeader, Pixels), ThumbnailError> {
    let format = sniff(bytes).ok_or(ThumbnailError::NotAnImage)?;
    if format == Format::Jpeg {
        match decode_jpeg_scaled(bytes, limits) {
            Ok(done) => return Ok(done),
            // Rare JPEG flavours jpeg-decoder does not take: let `image` try.
            Err(JpegPath::Unsupported) => {}
            Err(JpegPath::Failed(e)) => return Err(e),
        }
    }
    decode_with_image(bytes, format, limits)
}

enum JpegPath {
    Unsupported,
    Failed(ThumbnailError),
}

/// JPEG at the smallest DCT scale (1/1, 1/2, 1/4, 1/8) that still covers the thumbnail size.
fn decode_jpeg_scaled(
    bytes: &[u8],
    limits: &ImageLimits,
) -> Result<(ImageHeader, Pixels), JpegPath> {
    use jpeg_decoder::{Decoder, Error as JErr, PixelFormat};
    let fail = |e: JErr| match e {
        JErr::Unsupported(_) => JpegPath::Unsupported,
        JErr::Format(m) => JpegPath::Failed(ThumbnailError::Corrupt(m)),
        JErr::Io(e) => JpegPath::Failed(ThumbnailError::Corrupt(e.to_string())),
        other => JpegPath::Failed(ThumbnailError::Corrupt(other.to_string())),
    };
    let mut decoder = Decoder::new(Cursor::new(bytes));
    decoder.set_max_decoding_buffer_size(usize::try_from(limits.max_alloc).unwrap_or(usize::MAX));
    decoder.read_info().map_err(fail)?;
    let info = decoder
        .info()
        .ok_or_else(|| JpegPath::Failed(ThumbnailError::Corrupt("no JPEG header".into())))?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    if width == 0 || height == 0 {
        return Err(JpegPath::Failed(ThumbnailError::Corrupt(
            "the image has no pixels".into(),
        )));
    }
    limits.check(width, height).map_err(JpegPath::Failed)?;
    let (tw, th) = fit(width, height, MAX_SIDE);
    let (sw, sh) = decoder
        .scale(
            u16::try_from(tw).unwrap_or(u16::MAX),
            u16::try_from(th).unwrap_or(u16::MAX),
        )
        .map_err(fail)?;
    let (sw, sh) = (u32::from(sw), u32::from(sh));
    let bytes_per_pixel: u64 = match info.pixel_format {
        PixelFormat::L8 => 1,
        PixelFormat::L16 => 2,
        PixelFormat::RGB24 => 3,
        PixelFormat::CMYK32 => 4,
    };
    if u64::from(sw) * u64::from(sh) * bytes_per_pixel > limits.max_alloc {
        return Err(JpegPath::Failed(ThumbnailError::TooMuchMemory {
            limit: limits.max_alloc,
        }));
    }
    let raw = decoder.decode().map_err(fail)?;
    let pixels = u64::from(sw) * u64::from(sh);
    if (raw.len() as u64) < pixels * bytes_per_pixel {
        return Err(JpegPath::Failed(ThumbnailError::Corrupt(
            "the decoder returned too few pixels".into(),
        )));
    }
    let (layout, data) = match info.pixel_format {
        PixelFormat::L8 => (Layout::Gray, raw),
        // Big-endian 16-bit samples: keep the high byte.
        PixelFormat::L16 => (Layout::Gray, raw.chunks_exact(2).map(|s| s[0]).collect()),
        PixelFormat::RGB24 => (Layout::Rgb, raw),
        // Adobe CMYK (stored inverted, as nearly all CMYK JPEGs are).
        PixelFormat::CMYK32 => (
            Layout::Rgb,
            raw.chunks_exact(4)
                .flat_map(|p| {
                    let k = u16::from(p[3]);
                    [p[0], p[1], p[2]].map(|c| u8::try_from(u16::from(c) * k / 255).unwrap_or(255))
                })
                .collect(),
        ),
    };
    let header = ImageHeader {
        format: Format::Jpeg,
        width,
        height,
    };
    Ok((
        header,
        Pixels {
            width: sw,
            height: sh,
            layout,
            data,
        },
    ))
}

fn decode_with_image(
    bytes: &[u8],
    format: Format,
    limits: &ImageLimits,
) -> Result<(ImageHeader, Pixels), ThumbnailError> {
    let header = header_inner(bytes)?;
    limits.check(header.width, header.height)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(limits.image_limits());
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => {
            if limits.check(header.width, header.height).is_err() {
                ThumbnailError::TooManyPixels {
                    width: header.width,
                    height: header.height,
                    max_width: limits.max_width,
                    max_height: limits.max_height,
                }
            } else {
                ThumbnailError::TooMuchMemory {
                    limit: limits.max_alloc,
                }
            }
        }
        other => image_error(other),
    })?;
    let (width, height) = (image.width(), image.height());
    let (layout, data) = if image.color().has_alpha() {
        let rgba = image.into_rgba8();
        if rgba.pixels().all(|p| p.0[3] == u8::MAX) {
            (Layout::Rgb, DynamicImage::from(rgba).into_rgb8().into_raw())
        } else {
            (Layout::Rgba, rgba.into_raw())
        }
    } else if !image.color().has_color() {
        (Layout::Gray, image.into_luma8().into_raw())
    } else {
        (Layout::Rgb, image.into_rgb8().into_raw())
    };
    Ok((
        header,
        Pixels {
            width,
            height,
            layout,
            data,
        },
    ))
}

fn image_error(e: image::ImageError) -> ThumbnailError {
    match e {
        image::ImageError::Unsupported(_) => ThumbnailError::NotAnImage,
        image::ImageError::IoError(e) => ThumbnailError::Corrupt(e.to_string()),
        other => ThumbnailError::Corrupt(other.to_string()),
    }
}

/// Resizes to `width`×`height` with Lanczos3. A large reduction goes in two steps, as libvips
/// does: a box filter (an average, cheap at any ratio) to twice the target, then Lanczos3.
fn resize(src: &Pixels, width: u32, height: u32) -> Result<Pixels, ThumbnailError> {
    if src.width.max(src.height) > 4 * width.max(height) {
        let (mw, mh) = fit(src.width, src.height, 2 * width.max(height));
        let middle = resize_with(src, mw, mh, fr::FilterType::Box)?;
        return resize_with(&middle, width, height, fr::FilterType::Lanczos3);
    }
    resize_with(src, width, height, fr::FilterType::Lanczos3)
}

fn resize_with(
    src: &Pixels,
    width: u32,
    height: u32,
    filter: fr::FilterType,
) -> Result<Pixels, ThumbnailError> {
    if (width, height) == (src.width, src.height) {
        return Ok(Pixels {
            width,
            height,
            layout: src.layout,
            data: src.data.clone(),
        });
    }
    let pixel_type = src.layout.pixel_type();
    let from = fr::images::ImageRef::new(src.width, src.height, &src.data, pixel_type)
        .map_err(|e| ThumbnailError::Corrupt(e.to_string()))?;
    let mut to = fr::images::Image::new(width, height, pixel_type);
    let options = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(filter));
    fr::Resizer::new()
        .resize(&from, &mut to, &options)
        .map_err(|e| ThumbnailError::Corrupt(e.to_string()))?;
    Ok(Pixels {
        width,
        height,
        layout: src.layout,
        data: to.into_vec(),
    })
}

fn encode_thumbnail(pixels: Pixels) -> Result<Thumbnail, ThumbnailError> {
    let placeholder = ImageHeader {
        format: Format::Jpeg,
        width: pixels.width,
        height: pixels.height,
    };
    let mut side = MAX_SIDE;
    while side >= 16 {
        let (w, h) = fit(pixels.width, pixels.height, side);
        let small = resize(&pixels, w, h)?;
        if small.layout == Layout::Rgba {
            let png = encode_png(&small)?;
            if png.len() <= MAX_THUMBNAIL_BYTES {
                return Ok(Thumbnail {
                    bytes: png,
                    content_type: "image/png",
                    width: w,
                    height: h,
                    source: placeholder,
                });
            }
        } else {
            for quality in QUALITIES {
                let jpeg = encode_jpeg(&small, quality)?;
                if jpeg.len() <= MAX_THUMBNAIL_BYTES {
                    return Ok(Thumbnail {
                        bytes: jpeg,
                        content_type: "image/jpeg",
                        width: w,
                        height: h,
                        source: placeholder,
                    });
                }
            }
        }
        side = side * 3 / 4;
    }
    Err(ThumbnailError::TooLargeOutput)
}

fn encode_png(p: &Pixels) -> Result<Vec<u8>, ThumbnailError> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Best, PngFilter::Adaptive)
        .write_image(&p.data, p.width, p.height, p.layout.color_type())
        .map_err(|e| ThumbnailError::Corrupt(e.to_string()))?;
    Ok(out)
}

fn encode_jpeg(p: &Pixels, quality: u8) -> Result<Vec<u8>, ThumbnailError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(&p.data, p.width, p.height, p.layout.color_type())
        .map_err(|e| ThumbnailError::Corrupt(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    /// A photo-like image: smooth gradients plus noise (hard to compress, like a real photo).
    fn photo(width: u32, height: u32, seed: u64) -> RgbImage {
        let mut rng = fastrand::Rng::with_seed(seed);
        RgbImage::from_fn(width, height, |x, y| {
            let n = rng.u8(..) / 4;
            Rgb([
                u8::try_from((x * 255) / width.max(1))
                    .unwrap_or(0)
                    .saturating_add(n),
                u8::try_from((y * 255) / height.max(1))
                    .unwrap_or(0)
                    .saturating_add(n),
                u8::try_from(((x + y) * 127) / (width + height).max(1)).unwrap_or(0),
            ])
        })
    }

    fn encode(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).expect("encode test image");
        out.into_inner()
    }

    fn decoded(t: &Thumbnail) -> DynamicImage {
        image::load_from_memory(&t.bytes).expect("the thumbnail decodes")
    }

    #[test]
    fn a_large_jpeg_gets_a_small_jpeg_thumbnail_with_its_dimensions() {
        let jpeg = encode(photo(6000, 4000, 1).into(), ImageFormat::Jpeg);
        let t = thumbnail(&jpeg, &ImageLimits::default()).expect("thumbnail");
        assert_eq!(t.source.format, Format::Jpeg);
        assert_eq!(
            (t.source.width, t.source.height),
            (6000, 4000),
            "source size"
        );
        assert_eq!(
            (t.width, t.height),
            (256, 171),
            "longest side 256, aspect kept"
        );
        assert_eq!(t.content_type, "image/jpeg");
        assert!(
            t.bytes.len() <= MAX_THUMBNAIL_BYTES,
            "{} bytes",
            t.bytes.len()
        );
        let img = decoded(&t);
        assert_eq!(
            (img.width(), img.height()),
            (256, 171),
            "what the bytes hold"
        );
        // The gradient survives the scaled decode: left is darker than right in red.
        let rgb = img.to_rgb8();
        assert!(rgb.get_pixel(250, 85).0[0] > rgb.get_pixel(5, 85).0[0] + 100);
    }

    #[test]
    fn png_with_transparency_stays_png_and_opaque_png_becomes_jpeg() {
        let rgba = RgbaImage::from_fn(1200, 900, |x, y| {
            Rgba([
                (x % 256) as u8,
                (y % 256) as u8,
                90,
                if x < 600 { 0 } else { 255 },
            ])
        });
        let png = encode(rgba.into(), ImageFormat::Png);
        let t = thumbnail(&png, &ImageLimits::default()).expect("thumbnail");
        assert_eq!(t.content_type, "image/png", "transparency needs PNG");
        assert_eq!((t.width, t.height), (256, 192));
        let img = decoded(&t).to_rgba8();
        assert_eq!(
            img.get_pixel(10, 100).0[3],
            0,
            "left half stays transparent"
        );
        assert_eq!(img.get_pixel(240, 100).0[3], 255, "right half stays opaque");

        let opaque = encode(
            DynamicImage::from(photo(800, 600, 2)).into_rgba8().into(),
            ImageFormat::Png,
        );
        let t = thumbnail(&opaque, &ImageLimits::default()).expect("thumbnail");
        assert_eq!(
            t.content_type, "image/jpeg",
            "an opaque RGBA PNG needs no alpha"
        );
    }

    #[test]
    fn gif_and_webp_are_thumbnailed() {
        let gif = encode(photo(800, 600, 3).into(), ImageFormat::Gif);
        let t = thumbnail(&gif, &ImageLimits::default()).expect("gif");
        assert_eq!(t.source.format, Format::Gif);
        assert_eq!((t.width, t.height), (256, 192));
        let webp = encode(photo(640, 1280, 4).into(), ImageFormat::WebP);
        let t = thumbnail(&webp, &ImageLimits::default()).expect("webp");
        assert_eq!(t.source.format, Format::WebP);
        assert_eq!(
            (t.width, t.height),
            (128, 256),
            "portrait: height is the longest side"
        );
        assert_eq!(header(&webp).expect("header").width, 640);
    }

    #[test]
    fn small_images_are_not_enlarged() {
        let png = encode(photo(40, 30, 5).into(), ImageFormat::Png);
        let t = thumbnail(&png, &ImageLimits::default()).expect("thumbnail");
        assert_eq!((t.width, t.height), (40, 30));
    }

    #[test]
    fn noise_that_does_not_compress_is_reencoded_under_the_cap() {
        let mut rng = fastrand::Rng::with_seed(9);
        let noise = RgbImage::from_fn(256, 256, |_, _| Rgb([rng.u8(..), rng.u8(..), rng.u8(..)]));
        let at_85 = encode_jpeg(
            &Pixels {
                width: 256,
                height: 256,
                layout: Layout::Rgb,
                data: noise.clone().into_raw(),
            },
            85,
        )
        .expect("jpeg");
        assert!(
            at_85.len() > MAX_THUMBNAIL_BYTES,
            "the case needs a second try"
        );
        let png = encode(noise.into(), ImageFormat::Png);
        let t = thumbnail(&png, &ImageLimits::default()).expect("thumbnail");
        assert!(t.bytes.len() <= MAX_THUMBNAIL_BYTES, "{}", t.bytes.len());
    }

    /// A PNG that declares `width`×`height` with a tiny (wrong) body: only the header is real.
    fn png_declaring(width: u32, height: u32) -> Vec<u8> {
        let mut png = encode(photo(4, 4, 6).into(), ImageFormat::Png);
        // IHDR data starts at byte 16: width then height, big-endian; fix the CRC after it.
        png[16..20].copy_from_slice(&width.to_be_bytes());
        png[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
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

    #[test]
    fn a_tiny_png_declaring_60000_square_is_refused_before_allocating() {
        let png = png_declaring(60_000, 60_000);
        assert!(png.len() < 200, "the file is tiny");
        assert_eq!(
            header(&png).map(|h| (h.width, h.height)),
            Ok((60_000, 60_000))
        );
        let err = thumbnail(&png, &ImageLimits::default()).expect_err("refused");
        assert!(
            matches!(err, ThumbnailError::TooManyPixels { width: 60_000, .. }),
            "{err:?}"
        );
        // Within the dimension limits but over the memory limit: image::Limits refuses it.
        let png = png_declaring(15_000, 15_000);
        let err = thumbnail(&png, &ImageLimits::default()).expect_err("refused");
        assert!(
            matches!(err, ThumbnailError::TooMuchMemory { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn a_jpeg_over_the_dimension_limit_is_refused_from_its_header() {
        let jpeg = encode(photo(300, 200, 7).into(), ImageFormat::Jpeg);
        let limits = ImageLimits {
            max_width: 256,
            ..ImageLimits::default()
        };
        let err = thumbnail(&jpeg, &limits).expect_err("refused");
        assert!(
            matches!(err, ThumbnailError::TooManyPixels { width: 300, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn truncated_and_random_files_give_clear_errors() {
        let jpeg = encode(photo(600, 400, 8).into(), ImageFormat::Jpeg);
        let cut = &jpeg[..jpeg.len() / 3];
        // jpeg-decoder fills a truncated scan with grey: an error or a thumbnail, never a panic.
        match thumbnail(cut, &ImageLimits::default()) {
            Ok(t) => assert!(t.bytes.len() <= MAX_THUMBNAIL_BYTES),
            Err(e) => assert!(matches!(e, ThumbnailError::Corrupt(_)), "{e:?}"),
        }
        let png = encode(photo(600, 400, 8).into(), ImageFormat::Png);
        let err = thumbnail(&png[..png.len() / 2], &ImageLimits::default()).expect_err("cut png");
        assert!(matches!(err, ThumbnailError::Corrupt(_)), "{err:?}");
        let mut rng = fastrand::Rng::with_seed(11);
        let random: Vec<u8> = (0..10_000).map(|_| rng.u8(..)).collect();
        assert_eq!(
            thumbnail(&random, &ImageLimits::default()),
            Err(ThumbnailError::NotAnImage)
        );
        assert_eq!(
            thumbnail(b"", &ImageLimits::default()),
            Err(ThumbnailError::NotAnImage)
        );
        // Random bytes behind each format's magic number.
        for magic in [
            &b"\x89PNG\r\n\x1a\n"[..],
            b"\xff\xd8\xff\xe0",
            b"GIF89a",
            b"RIFF\0\0\0\0WEBPVP8 ",
        ] {
            let mut bytes = magic.to_vec();
            bytes.extend_from_slice(&random[..2000]);
            assert!(
                thumbnail(&bytes, &ImageLimits::default()).is_err(),
                "{magic:?}"
            );
        }
    }

    #[test]
    fn a_file_over_the_cap_is_refused_before_reading() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big.png");
        let file = std::fs::File::create(&path).expect("create");
        // Sparse: 1 GiB declared, nothing written, so reading it whole would be slow and big.
        file.set_len(1 << 30).expect("set_len");
        let limits = ImageLimits {
            max_file_bytes: 1 << 20,
            ..ImageLimits::default()
        };
        let err = thumbnail_file(&path, &limits).expect_err("refused");
        assert_eq!(
            err,
            ThumbnailError::FileTooLarge {
                size: 1 << 30,
                limit: 1 << 20
            }
        );
        assert!(matches!(
            thumbnail_file(&dir.path().join("missing.png"), &limits),
            Err(ThumbnailError::Read(_))
        ));
    }

    #[test]
    fn a_decoder_panic_is_caught_and_reported() {
        let result: Result<(), ThumbnailError> = guarded(|| panic!("decoder bug"));
        assert_eq!(result, Err(ThumbnailError::DecoderPanicked));
    }

    #[test]
    fn fit_keeps_the_aspect_ratio() {
        assert_eq!(fit(6000, 4000, 256), (256, 171));
        assert_eq!(fit(4000, 6000, 256), (171, 256));
        assert_eq!(fit(10_000, 1, 256), (256, 1));
        assert_eq!(fit(100, 50, 256), (100, 50));
    }
}
