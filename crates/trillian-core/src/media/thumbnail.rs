//! Thumbnails made locally, and bounded decoding of images from files and servers.
//!
//! Every decode is bounded before a pixel buffer is allocated: the file size is checked before
//! it is read whole, the dimensions are read from the header and checked against
//! [`ImageLimits`], the decoders get limits (width, height, memory), and a decoder panic is
//! caught and reported as [`ThumbnailError::DecoderPanicked`]. Only PNG, JPEG, GIF and WebP are
//! compiled in (no AVIF: its decoder ignores limits).
//!
//! One path for every caller (upload, the gallery's cache of server thumbnails, the CLI):
//! decode small, shrink, resize, encode.
//! - JPEG: libjpeg-turbo (`turbojpeg`) decodes at the smallest DCT scale, 1/8 to 8/8, that
//!   covers the thumbnail, which touches up to 64 times fewer pixels than a full decode. Its
//!   whole-image coefficient buffer (progressive and multi-scan files) is estimated from the
//!   header and refused over the memory limit; its errors are `Result`s, mapped to `Corrupt`.
//! - PNG: decoded row by row (`png`) straight into a block average to about twice the
//!   thumbnail's size, so no full-size buffer exists. Interlaced PNG, GIF and WebP are decoded
//!   whole by `image`, then box-filtered down and freed.
//! - Resizing is `fast_image_resize` (Lanczos3, alpha premultiplied). The result is JPEG
//!   (libjpeg-turbo, 4:2:0), or PNG when the image has transparency, longest side ≤ 256 px,
//!   re-encoded at lower quality (then smaller) until it is ≤ 65,535 bytes.

use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use fast_image_resize as fr;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::metadata::Orientation;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageFormat, ImageReader,
};
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
        let thumb = encode_thumbnail(pixels, source, orientation(bytes, source.format))?;
        Ok(thumb)
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
    match sniff(bytes).ok_or(ThumbnailError::NotAnImage)? {
        Format::Jpeg => decode_jpeg_scaled(bytes, limits),
        Format::Png => match decode_png_streamed(bytes, limits)? {
            Some(done) => Ok(done),
            None => decode_with_image(bytes, Format::Png, limits),
        },
        format => decode_with_image(bytes, format, limits),
    }
}

/// Most progressive scans a JPEG may have (libjpeg-turbo's advice against files built to make a
/// decoder spin; real files have about ten).
const MAX_JPEG_SCANS: u32 = 500;

/// JPEG decoded by libjpeg-turbo at the smallest DCT scale (1/8, 2/8, … 8/8) that still covers
/// the thumbnail size. The header is read and checked against the limits first; the only large
/// allocation libjpeg makes on its own (a whole-image coefficient buffer, for progressive and
/// multi-scan files) is estimated from the header and refused over the memory limit.
fn decode_jpeg_scaled(
    bytes: &[u8],
    limits: &ImageLimits,
) -> Result<(ImageHeader, Pixels), ThumbnailError> {
    use turbojpeg::{Colorspace, Decompressor, Image, PixelFormat, ScalingFactor};
    let mut decompressor = Decompressor::new().map_err(turbojpeg_error)?;
    let info = decompressor.read_header(bytes).map_err(turbojpeg_error)?;
    let width = u32::try_from(info.width).map_err(|_| corrupt("the width is out of range"))?;
    let height = u32::try_from(info.height).map_err(|_| corrupt("the height is out of range"))?;
    if width == 0 || height == 0 {
        return Err(corrupt("the image has no pixels"));
    }
    limits.check(width, height)?;
    let (format, channels) = match info.colorspace {
        Colorspace::Gray => (PixelFormat::GRAY, 1),
        Colorspace::CMYK | Colorspace::YCCK => (PixelFormat::CMYK, 4),
        _ => (PixelFormat::RGB, 3),
    };
    if needs_whole_image_buffer(bytes, info.is_progressive)
        && coefficient_bytes(width, height, info.subsamp, channels) > limits.max_alloc
    {
        return Err(ThumbnailError::TooMuchMemory {
            limit: limits.max_alloc,
        });
    }
    let (tw, th) = fit(width, height, MAX_SIDE);
    let covers = |f: &ScalingFactor| {
        f.scale(info.width) >= tw as usize && f.scale(info.height) >= th as usize
    };
    // Lossless JPEG cannot be scaled while decoding.
    let factor = if info.is_lossless {
        ScalingFactor::ONE
    } else {
        (1..=8)
            .map(|n| ScalingFactor::new(n, 8))
            .find(covers)
            .unwrap_or(ScalingFactor::ONE)
    };
    let (sw, sh) = (factor.scale(info.width), factor.scale(info.height));
    let len = sw
        .checked_mul(sh)
        .and_then(|p| p.checked_mul(channels))
        .filter(|&len| len as u64 <= limits.max_alloc)
        .ok_or(ThumbnailError::TooMuchMemory {
            limit: limits.max_alloc,
        })?;
    decompressor
        .set_scaling_factor(factor)
        .map_err(turbojpeg_error)?;
    decompressor
        .set_scan_limit(MAX_JPEG_SCANS)
        .map_err(turbojpeg_error)?;
    let mut raw = vec![0u8; len];
    let output = Image {
        pixels: &mut raw[..],
        width: sw,
        pitch: sw * channels,
        height: sh,
        format,
    };
    decompressor
        .decompress(bytes, output)
        .map_err(turbojpeg_error)?;
    let (layout, data) = match format {
        PixelFormat::GRAY => (Layout::Gray, raw),
        // Adobe CMYK (stored inverted, as nearly all CMYK JPEGs are).
        PixelFormat::CMYK => (
            Layout::Rgb,
            raw.chunks_exact(4)
                .flat_map(|p| {
                    let k = u16::from(p[3]);
                    [p[0], p[1], p[2]].map(|c| u8::try_from(u16::from(c) * k / 255).unwrap_or(255))
                })
                .collect(),
        ),
        _ => (Layout::Rgb, raw),
    };
    let header = ImageHeader {
        format: Format::Jpeg,
        width,
        height,
    };
    let pixels = Pixels {
        width: u32::try_from(sw).map_err(|_| corrupt("the width is out of range"))?,
        height: u32::try_from(sh).map_err(|_| corrupt("the height is out of range"))?,
        layout,
        data,
    };
    Ok((header, pixels))
}

fn corrupt(why: &str) -> ThumbnailError {
    ThumbnailError::Corrupt(why.to_owned())
}

/// libjpeg-turbo's errors (bad markers, truncated data, too many scans) all mean a damaged file.
fn turbojpeg_error(e: turbojpeg::Error) -> ThumbnailError {
    ThumbnailError::Corrupt(e.to_string())
}

/// Whether libjpeg keeps the whole image's DCT coefficients in memory while decoding: for
/// progressive files, and for sequential files whose first scan does not hold every component.
/// A file whose markers cannot be followed counts as needing it.
fn needs_whole_image_buffer(bytes: &[u8], progressive: bool) -> bool {
    if progressive {
        return true;
    }
    let mut frame_components = None;
    let mut pos = 2; // after SOI
    loop {
        match (bytes.get(pos), bytes.get(pos + 1)) {
            (Some(0xFF), Some(0xFF)) => pos += 1, // fill byte
            // Markers without a length.
            (Some(0xFF), Some(0x01 | 0xD0..=0xD7)) => pos += 2,
            (Some(0xFF), Some(&marker)) => {
                let Some(&[hi, lo]) = bytes.get(pos + 2..pos + 4) else {
                    return true;
                };
                match marker {
                    // SOFn (not DHT, JPG, DAC): Nf sits after length, precision, height, width.
                    0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                        frame_components = bytes.get(pos + 9).copied();
                    }
                    // SOS: Ns right after the length.
                    0xDA => {
                        return match (frame_components, bytes.get(pos + 4)) {
                            (Some(all), Some(&in_scan)) => in_scan < all,
                            _ => true,
                        };
                    }
                    _ => {}
                }
                pos = pos.saturating_add(2 + usize::from(u16::from_be_bytes([hi, lo])));
            }
            _ => return true,
        }
    }
}

/// The bytes of a whole-image coefficient buffer: two per coefficient, one coefficient per pixel
/// of each component (fewer for subsampled chroma), on a 16-pixel grid.
fn coefficient_bytes(width: u32, height: u32, subsamp: turbojpeg::Subsamp, channels: usize) -> u64 {
    use turbojpeg::Subsamp;
    // Samples of each further component per luma sample, in quarters (CMYK: all full).
    let quarters: u64 = match subsamp {
        _ if channels == 4 => 4,
        Subsamp::Gray => 0,
        Subsamp::Sub2x2 | Subsamp::Sub4x1 | Subsamp::Sub1x4 => 1,
        Subsamp::Sub2x1 | Subsamp::Sub1x2 => 2,
        _ => 4,
    };
    let further = channels.saturating_sub(1) as u64;
    let luma = u64::from(width.div_ceil(16) * 16) * u64::from(height.div_ceil(16) * 16);
    2 * luma * (4 + further * quarters) / 4
}

/// PNG decoded row by row straight into a block average (libvips's shrink: each output pixel
/// is the mean of a k×k block, colours weighted by alpha), so no full-size buffer is ever
/// allocated: a 4000×3000 RGBA file needs a 48 MB buffer decoded whole, 0.1 MB this way.
/// Small images (k = 1) are copied as they are. Interlaced files (their rows come in seven
/// passes) go through `image`: `None`.
fn decode_png_streamed(
    bytes: &[u8],
    limits: &ImageLimits,
) -> Result<Option<(ImageHeader, Pixels)>, ThumbnailError> {
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: usize::try_from(limits.max_alloc).unwrap_or(usize::MAX),
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| png_error(e, limits))?;
    let (width, height, interlaced) = {
        let info = reader.info();
        (info.width, info.height, info.interlaced)
    };
    if width == 0 || height == 0 {
        return Err(corrupt("the image has no pixels"));
    }
    limits.check(width, height)?;
    let channels: usize = match reader.output_color_type().0 {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Ok(None),
    };
    // The same bound as a whole decode: what the full-size pixels would take.
    if u64::from(width) * u64::from(height) * channels as u64 > limits.max_alloc {
        return Err(ThumbnailError::TooMuchMemory {
            limit: limits.max_alloc,
        });
    }
    if interlaced {
        return Ok(None);
    }
    let longest = width.max(height);
    let k = if longest <= 4 * MAX_SIDE {
        1
    } else {
        longest / (2 * MAX_SIDE)
    };
    let (out_w, out_h) = (width.div_ceil(k), height.div_ceil(k));
    let k = k as usize;
    let layout = match channels {
        1 => Layout::Gray,
        3 => Layout::Rgb,
        _ => Layout::Rgba,
    };
    let out_channels = layout.pixel_type().size();
    let mut sums = vec![0u64; out_w as usize * out_channels];
    let mut data = Vec::with_capacity(out_w as usize * out_h as usize * out_channels);
    let mut opaque = true;
    let mut rows_in_block = 0;
    let mut y = 0;
    while let Some(row) = reader.next_row().map_err(|e| png_error(e, limits))? {
        let row = row.data();
        for (sum, block) in sums
            .chunks_exact_mut(out_channels)
            .zip(row.chunks(k * channels))
        {
            accumulate(sum, block, channels, &mut opaque);
        }
        rows_in_block += 1;
        y += 1;
        if rows_in_block == k || y == height {
            emit_block_row(&mut sums, &mut data, width, k, rows_in_block, layout);
            rows_in_block = 0;
        }
    }
    if y != height {
        return Err(corrupt("the image ends early"));
    }
    let (layout, data) = if layout == Layout::Rgba && opaque {
        (Layout::Rgb, drop_alpha(&data))
    } else {
        (layout, data)
    };
    let header = ImageHeader {
        format: Format::Png,
        width,
        height,
    };
    let pixels = Pixels {
        width: out_w,
        height: out_h,
        layout,
        data,
    };
    Ok(Some((header, pixels)))
}

/// Adds a block's pixels (1 to 4 channels) to one output pixel's sums: grey and RGB as they
/// are, grey+alpha and RGBA as RGBA with colours premultiplied by alpha.
fn accumulate(sum: &mut [u64], block: &[u8], channels: usize, opaque: &mut bool) {
    let wide = u64::from;
    match channels {
        1 => sum[0] += block.iter().map(|&v| wide(v)).sum::<u64>(),
        3 => {
            let (mut r, mut g, mut b) = (0, 0, 0);
            for p in block.chunks_exact(3) {
                r += wide(p[0]);
                g += wide(p[1]);
                b += wide(p[2]);
            }
            sum[0] += r;
            sum[1] += g;
            sum[2] += b;
        }
        _ => {
            let (mut r, mut g, mut b, mut alpha, mut least) = (0, 0, 0, 0, u8::MAX);
            let mut add = |c: [u8; 3], a: u8| {
                least = least.min(a);
                let a = wide(a);
                r += wide(c[0]) * a;
                g += wide(c[1]) * a;
                b += wide(c[2]) * a;
                alpha += a;
            };
            if channels == 2 {
                block.chunks_exact(2).for_each(|p| add([p[0]; 3], p[1]));
            } else {
                block
                    .chunks_exact(4)
                    .for_each(|p| add([p[0], p[1], p[2]], p[3]));
            }
            *opaque &= least == u8::MAX;
            sum[0] += r;
            sum[1] += g;
            sum[2] += b;
            sum[3] += alpha;
        }
    }
}

/// Turns the sums of one row of blocks into output pixels (rounded means; colours divided by
/// the block's alpha) and clears them.
fn emit_block_row(
    sums: &mut [u64],
    out: &mut Vec<u8>,
    width: u32,
    k: usize,
    rows: usize,
    layout: Layout,
) {
    let channels = layout.pixel_type().size();
    let width = width as usize;
    let mean = |sum: u64, n: u64| u8::try_from((sum + n / 2) / n.max(1)).unwrap_or(u8::MAX);
    for (ox, sum) in sums.chunks_exact_mut(channels).enumerate() {
        let columns = k.min(width - ox * k);
        let count = (columns * rows) as u64;
        if layout == Layout::Rgba {
            let alpha = sum[3];
            for &c in &sum[..3] {
                out.push(if alpha == 0 { 0 } else { mean(c, alpha) });
            }
            out.push(mean(alpha, count));
        } else {
            out.extend(sum.iter().map(|&c| mean(c, count)));
        }
        sum.fill(0);
    }
}

fn drop_alpha(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect()
}

fn png_error(e: png::DecodingError, limits: &ImageLimits) -> ThumbnailError {
    match e {
        png::DecodingError::LimitsExceeded => ThumbnailError::TooMuchMemory {
            limit: limits.max_alloc,
        },
        other => ThumbnailError::Corrupt(other.to_string()),
    }
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

/// Brings a large image down to twice the thumbnail's size with a box filter (an average, cheap
/// at any ratio, as libvips shrinks), so that Lanczos3 then works on a small image; the full-size
/// pixels are freed here. Images up to four times the thumbnail's size are kept as they are.
fn shrink(mut src: Pixels, source: &ImageHeader) -> Result<Pixels, ThumbnailError> {
    if src.width.max(src.height) <= 4 * MAX_SIDE {
        return Ok(src);
    }
    let (width, height) = fit(source.width, source.height, 2 * MAX_SIDE);
    let fail = |e: &dyn std::fmt::Display| ThumbnailError::Corrupt(e.to_string());
    let (layout, pixel_type) = (src.layout, src.layout.pixel_type());
    let mut from =
        fr::images::Image::from_slice_u8(src.width, src.height, &mut src.data, pixel_type)
            .map_err(|e| fail(&e))?;
    // Colours are averaged weighted by their alpha. Premultiplied here, in place: left to
    // fast_image_resize, it would make a premultiplied full-size copy first.
    let mul_div = fr::MulDiv::new();
    if layout == Layout::Rgba {
        mul_div
            .multiply_alpha_inplace(&mut from)
            .map_err(|e| fail(&e))?;
    }
    let mut to = fr::images::Image::new(width, height, pixel_type);
    let options = fr::ResizeOptions::new()
        .resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Box))
        .use_alpha(false);
    fr::Resizer::new()
        .resize(&from, &mut to, &options)
        .map_err(|e| fail(&e))?;
    drop(from);
    drop(src);
    if layout == Layout::Rgba {
        mul_div
            .divide_alpha_inplace(&mut to)
            .map_err(|e| fail(&e))?;
    }
    Ok(Pixels {
        width,
        height,
        layout,
        data: to.into_vec(),
    })
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

/// Resizes (Lanczos3) and encodes, at lower quality then smaller, until the result fits.
/// How the image asks to be turned for display (EXIF orientation: phone photos are stored
/// sideways with a tag), read from the header; none when there is no tag or it cannot be read.
fn orientation(bytes: &[u8], format: Format) -> Orientation {
    ImageReader::with_format(Cursor::new(bytes), format.image_format())
        .into_decoder()
        .and_then(|mut d| d.orientation())
        .unwrap_or(Orientation::NoTransforms)
}

/// `p` turned as `o` says (on the small image: a thumbnail's pixels are few).
fn orient(p: Pixels, o: Orientation) -> Result<Pixels, ThumbnailError> {
    if o == Orientation::NoTransforms {
        return Ok(p);
    }
    let bad = || ThumbnailError::Corrupt("pixel buffer of the wrong size".into());
    let (w, h) = (p.width, p.height);
    let mut img = match p.layout {
        Layout::Gray => {
            DynamicImage::ImageLuma8(image::GrayImage::from_raw(w, h, p.data).ok_or_else(bad)?)
        }
        Layout::Rgb => {
            DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, p.data).ok_or_else(bad)?)
        }
        Layout::Rgba => {
            DynamicImage::ImageRgba8(image::RgbaImage::from_raw(w, h, p.data).ok_or_else(bad)?)
        }
    };
    img.apply_orientation(o);
    let (width, height) = (img.width(), img.height());
    let (layout, data) = match img {
        DynamicImage::ImageLuma8(b) => (Layout::Gray, b.into_raw()),
        DynamicImage::ImageRgb8(b) => (Layout::Rgb, b.into_raw()),
        DynamicImage::ImageRgba8(b) => (Layout::Rgba, b.into_raw()),
        other => (Layout::Rgba, other.into_rgba8().into_raw()),
    };
    Ok(Pixels {
        width,
        height,
        layout,
        data,
    })
}

fn encode_thumbnail(
    pixels: Pixels,
    source: ImageHeader,
    orientation: Orientation,
) -> Result<Thumbnail, ThumbnailError> {
    let pixels = shrink(pixels, &source)?;
    let mut side = MAX_SIDE;
    while side >= 16 {
        // From the source's own proportions: the decoded pixels may be rounded (DCT scaling).
        let (w, h) = fit(source.width, source.height, side);
        let small = orient(
            resize_with(&pixels, w, h, fr::FilterType::Lanczos3)?,
            orientation,
        )?;
        let (w, h) = (small.width, small.height);
        if small.layout == Layout::Rgba {
            let png = fitting_png(&small)?;
            if let Some(png) = png {
                return Ok(Thumbnail {
                    bytes: png,
                    content_type: "image/png",
                    width: w,
                    height: h,
                    source,
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
                        source,
                    });
                }
            }
        }
        side = side * 3 / 4;
    }
    Err(ThumbnailError::TooLargeOutput)
}

/// A PNG of at most [`MAX_THUMBNAIL_BYTES`], if one can be made at this size. fdeflate's fast
/// mode is about a hundred times quicker than zlib's best and, on photos, as small; the best
/// compression gets a chance only when the fast result is just over the cap.
fn fitting_png(p: &Pixels) -> Result<Option<Vec<u8>>, ThumbnailError> {
    let fast = encode_png(p, CompressionType::Fast)?;
    if fast.len() <= MAX_THUMBNAIL_BYTES {
        return Ok(Some(fast));
    }
    if fast.len() > MAX_THUMBNAIL_BYTES / 8 * 9 {
        return Ok(None);
    }
    let best = encode_png(p, CompressionType::Best)?;
    Ok(Some(best).filter(|b| b.len() <= MAX_THUMBNAIL_BYTES))
}

fn encode_png(p: &Pixels, compression: CompressionType) -> Result<Vec<u8>, ThumbnailError> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, compression, PngFilter::Adaptive)
        .write_image(&p.data, p.width, p.height, p.layout.color_type())
        .map_err(|e| ThumbnailError::Corrupt(e.to_string()))?;
    Ok(out)
}

/// JPEG by libjpeg-turbo: 4:2:0 chroma for colour (as cameras and vips write), grey as grey.
fn encode_jpeg(p: &Pixels, quality: u8) -> Result<Vec<u8>, ThumbnailError> {
    use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};
    let (format, subsamp, channels) = match p.layout {
        Layout::Gray => (PixelFormat::GRAY, Subsamp::Gray, 1),
        Layout::Rgb => (PixelFormat::RGB, Subsamp::Sub2x2, 3),
        Layout::Rgba => (PixelFormat::RGBA, Subsamp::Sub2x2, 4),
    };
    let encoder_error = |e: turbojpeg::Error| ThumbnailError::Corrupt(e.to_string());
    let mut compressor = Compressor::new().map_err(encoder_error)?;
    compressor
        .set_quality(i32::from(quality))
        .map_err(encoder_error)?;
    compressor.set_subsamp(subsamp).map_err(encoder_error)?;
    let width = p.width as usize;
    compressor
        .compress_to_vec(Image {
            pixels: &p.data[..],
            width,
            pitch: width * channels,
            height: p.height as usize,
            format,
        })
        .map_err(encoder_error)
}

/// `jpeg` with an EXIF APP1 segment saying `orientation`, right after the SOI marker.
#[cfg(test)]
pub(crate) fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
    exif.extend_from_slice(&1u16.to_be_bytes()); // one IFD entry
    exif.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1]); // Orientation, SHORT, 1
    exif.extend_from_slice(&orientation.to_be_bytes());
    exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // value padding, no next IFD
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[2..]);
    out
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
    fn a_sideways_phone_photo_is_turned_upright() {
        // Left half red, right half blue, tagged "rotate 90° clockwise to display" (6).
        let img = RgbImage::from_fn(400, 200, |x, _| {
            if x < 200 {
                Rgb([230, 20, 20])
            } else {
                Rgb([20, 20, 230])
            }
        });
        let jpeg = with_exif_orientation(&encode(img.into(), ImageFormat::Jpeg), 6);
        let t = thumbnail(&jpeg, &ImageLimits::default()).expect("thumbnail");
        assert_eq!(
            (t.source.width, t.source.height),
            (400, 200),
            "the file's own size"
        );
        assert_eq!((t.width, t.height), (128, 256), "upright: taller than wide");
        let d = decoded(&t).to_rgb8();
        assert_eq!((d.width(), d.height()), (128, 256));
        let top = d.get_pixel(64, 20);
        let bottom = d.get_pixel(64, 236);
        assert!(
            top[0] > 150 && top[2] < 100,
            "the left half is now on top: {top:?}"
        );
        assert!(
            bottom[2] > 150 && bottom[0] < 100,
            "the right half below: {bottom:?}"
        );
        // Without the tag, the same pixels stay as they are.
        let plain = thumbnail(
            &encode(
                RgbImage::from_fn(400, 200, |x, _| {
                    Rgb([if x < 200 { 230 } else { 20 }, 20, 20])
                })
                .into(),
                ImageFormat::Jpeg,
            ),
            &ImageLimits::default(),
        )
        .expect("thumbnail");
        assert_eq!((plain.width, plain.height), (256, 128));
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
        // Colour noise with transparency: a PNG, far over the cap at 256 px.
        let mut rng = fastrand::Rng::with_seed(9);
        let noise = RgbaImage::from_fn(256, 256, |_, _| {
            Rgba([rng.u8(..), rng.u8(..), rng.u8(..), rng.u8(100..)])
        });
        let at_256 = fitting_png(&Pixels {
            width: 256,
            height: 256,
            layout: Layout::Rgba,
            data: noise.clone().into_raw(),
        })
        .expect("png");
        assert_eq!(at_256, None, "the case needs a second try");
        let png = encode(noise.into(), ImageFormat::Png);
        let t = thumbnail(&png, &ImageLimits::default()).expect("thumbnail");
        assert_eq!(t.content_type, "image/png");
        assert!(t.width < 256, "made smaller: {}", t.width);
        assert!(t.bytes.len() <= MAX_THUMBNAIL_BYTES, "{}", t.bytes.len());
        // Opaque colour noise: 4:2:0 JPEG fits at full size (about 50 KB at quality 85).
        let noise = RgbImage::from_fn(256, 256, |_, _| Rgb([rng.u8(..), rng.u8(..), rng.u8(..)]));
        let t = thumbnail(
            &encode(noise.into(), ImageFormat::Png),
            &ImageLimits::default(),
        )
        .expect("thumbnail");
        assert_eq!((t.content_type, t.width), ("image/jpeg", 256));
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
        for cut in [jpeg.len() / 3, 400, 3] {
            let err = thumbnail(&jpeg[..cut], &ImageLimits::default()).expect_err("cut jpeg");
            assert!(matches!(err, ThumbnailError::Corrupt(_)), "{cut}: {err:?}");
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

    /// A JPEG written by libjpeg-turbo (progressive or baseline, 4:2:0).
    fn turbo_jpeg(img: &RgbImage, progressive: bool) -> Vec<u8> {
        let mut c = turbojpeg::Compressor::new().expect("compressor");
        c.set_progressive(progressive).expect("progressive");
        c.set_subsamp(turbojpeg::Subsamp::Sub2x2).expect("subsamp");
        let image = turbojpeg::Image {
            pixels: img.as_raw().as_slice(),
            width: img.width() as usize,
            pitch: img.width() as usize * 3,
            height: img.height() as usize,
            format: turbojpeg::PixelFormat::RGB,
        };
        c.compress_to_vec(image).expect("compress")
    }

    #[test]
    fn a_truncated_jpeg_is_reported_as_damaged_by_the_scaled_decoder() {
        // Large enough for the 1/8 scale: the header is whole, the scan stops half-way.
        let jpeg = turbo_jpeg(&photo(2400, 1600, 12), false);
        assert_eq!(header(&jpeg).map(|h| h.width), Ok(2400));
        let err = thumbnail(&jpeg[..jpeg.len() / 2], &ImageLimits::default()).expect_err("cut");
        assert!(
            matches!(&err, ThumbnailError::Corrupt(m) if m.contains("Premature end")),
            "{err:?}"
        );
        let t = thumbnail(&jpeg, &ImageLimits::default()).expect("whole file");
        assert_eq!((t.width, t.height), (256, 171));
    }

    #[test]
    fn a_progressive_jpeg_whose_coefficients_exceed_the_memory_limit_is_refused() {
        let img = photo(600, 400, 13);
        // 600×400 at 4:2:0 keeps 608×400×3 = 729,600 bytes of coefficients when progressive;
        // a baseline file is decoded a few rows at a time and only its 1/2-scale output counts.
        let limits = ImageLimits {
            max_alloc: 500_000,
            ..ImageLimits::default()
        };
        let err = thumbnail(&turbo_jpeg(&img, true), &limits).expect_err("progressive");
        assert_eq!(err, ThumbnailError::TooMuchMemory { limit: 500_000 });
        let t = thumbnail(&turbo_jpeg(&img, false), &limits).expect("baseline");
        assert_eq!((t.width, t.height), (256, 171));
        let t = thumbnail(&turbo_jpeg(&img, true), &ImageLimits::default()).expect("default");
        assert_eq!(t.content_type, "image/jpeg");
    }

    #[test]
    fn a_large_png_is_averaged_by_alpha_so_transparent_colour_does_not_bleed() {
        // Fully transparent red and opaque green, alternating pixel by pixel.
        let checker = RgbaImage::from_fn(2048, 1024, |x, y| {
            if (x + y) % 2 == 0 {
                Rgba([255, 0, 0, 0])
            } else {
                Rgba([0, 255, 0, 255])
            }
        });
        let png = encode(checker.into(), ImageFormat::Png);
        let t = thumbnail(&png, &ImageLimits::default()).expect("thumbnail");
        assert_eq!(t.content_type, "image/png", "half transparent");
        assert_eq!((t.width, t.height), (256, 128));
        let p = decoded(&t).to_rgba8().get_pixel(128, 64).0;
        assert!(
            p[0] < 8 && p[1] > 247,
            "green, no red from the hidden pixels: {p:?}"
        );
        assert!((120..=136).contains(&p[3]), "half covered: {p:?}");

        // Grey + alpha, fully opaque: a JPEG, and grey stays grey.
        let grey = image::GrayAlphaImage::from_fn(1500, 1000, |x, _| {
            image::LumaA([u8::try_from(x * 255 / 1500).unwrap_or(255), 255])
        });
        let png = encode(grey.into(), ImageFormat::Png);
        let t = thumbnail(&png, &ImageLimits::default()).expect("thumbnail");
        assert_eq!(t.content_type, "image/jpeg", "opaque");
        assert_eq!((t.width, t.height), (256, 171));
        let img = decoded(&t).to_rgb8();
        let [r, g, b] = img.get_pixel(128, 85).0;
        assert!(
            r.abs_diff(g) < 4 && g.abs_diff(b) < 4 && r.abs_diff(128) < 8,
            "{r} {g} {b}"
        );
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
