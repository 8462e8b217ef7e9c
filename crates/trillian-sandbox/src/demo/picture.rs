//! Generated images: identicon avatars, chart-like PNGs, "photos" — with real JPEG thumbnails.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ImageEncoder, Rgb, RgbImage, imageops};

use super::Rng;
use crate::error::Result;

/// Longest side of a thumbnail.
const THUMB: u32 = 256;

fn png(img: &RgbImage) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out).write_image(
        img.as_raw(),
        img.width(),
        img.height(),
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(out)
}

fn jpeg(img: &RgbImage, quality: u8) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality).write_image(
        img.as_raw(),
        img.width(),
        img.height(),
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(out)
}

/// A JPEG thumbnail (longest side 256 px) that fits the API's 65,535-byte limit.
fn thumbnail(img: &RgbImage) -> Result<Vec<u8>> {
    let (w, h) = (img.width(), img.height());
    let scale = f64::from(THUMB) / f64::from(w.max(h));
    let (tw, th) = (
        ((f64::from(w) * scale) as u32).max(1),
        ((f64::from(h) * scale) as u32).max(1),
    );
    let small = imageops::thumbnail(img, tw, th);
    let mut quality = 80;
    loop {
        let bytes = jpeg(&small, quality)?;
        if bytes.len() <= 65_535 || quality <= 20 {
            return Ok(bytes);
        }
        quality -= 20;
    }
}

fn color(rng: &mut Rng) -> Rgb<u8> {
    Rgb([
        40 + rng.below(180) as u8,
        40 + rng.below(180) as u8,
        40 + rng.below(180) as u8,
    ])
}

/// A 96×96 symmetric 5×5 identicon PNG.
pub fn avatar(seed: u64) -> Result<Vec<u8>> {
    let mut rng = Rng::new(seed);
    let fg = color(&mut rng);
    let bg = Rgb([240, 242, 245]);
    let mut img = RgbImage::from_pixel(96, 96, bg);
    let cells: Vec<bool> = (0..15).map(|_| rng.chance(50)).collect();
    for row in 0..5u32 {
        for col in 0..5u32 {
            let mirrored = if col > 2 { 4 - col } else { col };
            if cells[(row * 3 + mirrored) as usize] {
                for y in 0..16 {
                    for x in 0..16 {
                        img.put_pixel(8 + col * 16 + x, 8 + row * 16 + y, fg);
                    }
                }
            }
        }
    }
    png(&img)
}

/// A bar-chart-looking PNG; returns (png, jpeg thumbnail, width, height).
pub fn chart(seed: u64, w: u32, h: u32) -> Result<(Vec<u8>, Vec<u8>, u32, u32)> {
    let mut rng = Rng::new(seed);
    let mut img = RgbImage::from_pixel(w, h, Rgb([250, 250, 252]));
    let bars = 12;
    let bar_w = w / (bars + 1);
    for b in 0..bars {
        let c = color(&mut rng);
        let height = h / 8 + rng.below((h * 3 / 4) as usize) as u32;
        let x0 = bar_w / 2 + b * bar_w;
        for x in x0..(x0 + bar_w * 3 / 4).min(w) {
            for y in (h - height)..h {
                img.put_pixel(x, y, c);
            }
        }
    }
    for x in 0..w {
        img.put_pixel(x, h - 1, Rgb([30, 30, 30]));
    }
    let thumb = thumbnail(&img)?;
    Ok((png(&img)?, thumb, w, h))
}

/// A sea-and-sky gradient "photo" JPEG with a buoy; returns (jpeg, thumbnail, width, height).
pub fn photo(seed: u64, w: u32, h: u32) -> Result<(Vec<u8>, Vec<u8>, u32, u32)> {
    let mut rng = Rng::new(seed);
    let horizon = h / 3 + rng.below((h / 3) as usize) as u32;
    let sun = rng.below(60) as u8;
    let img = RgbImage::from_fn(w, h, |x, y| {
        if y < horizon {
            let t = (y * 120 / horizon.max(1)) as u8;
            Rgb([110 + sun + t / 2, 160 + t / 3, 230 - t / 4])
        } else {
            let t = ((y - horizon) * 100 / (h - horizon).max(1)) as u8;
            let wave = (((x / 7 + y / 3) % 9) * 3) as u8;
            Rgb([10 + wave / 2, 70 - t / 3 + wave, 120 - t / 2 + wave])
        }
    });
    let mut img = img;
    let (bx, by) = (w / 4 + rng.below((w / 2) as usize) as u32, horizon + 10);
    for y in by..(by + h / 10).min(h) {
        for x in bx..(bx + w / 40).min(w) {
            img.put_pixel(x, y, Rgb([250, 200, 20]));
        }
    }
    let thumb = thumbnail(&img)?;
    Ok((jpeg(&img, 85)?, thumb, w, h))
}
