use std::io;

use super::{Decoder, Encoder};

/// Decompress from the given source as if using a `Decoder`.
///
/// The input data must be in the zstd frame format.
///
/// trackgate's patch: one frame that states its size (what `block::compress`
/// writes, and what sled stores) is decompressed at once by a decompressor kept
/// per thread; anything else streams as upstream does.
pub fn decode_all<R: io::Read>(mut source: R) -> io::Result<Vec<u8>> {
    let mut input = Vec::new();
    source.read_to_end(&mut input)?;
    let size = zstd_safe::get_frame_content_size(&input);
    let one_frame = zstd_safe::find_frame_compressed_size(&input) == Ok(input.len());
    if one_frame && size <= (1 << 30) {
        thread_local! {
            static DECOMPRESSOR: std::cell::RefCell<crate::block::Decompressor> =
                std::cell::RefCell::new(crate::block::Decompressor::new());
        }
        let mut out = Vec::with_capacity(size as usize);
        DECOMPRESSOR.with(|d| d.borrow_mut().decompress_to_buffer(&input, &mut out))?;
        if out.len() as u64 == size {
            return Ok(out);
        }
    }
    let mut result = Vec::new();
    copy_decode(&input[..], &mut result)?;
    Ok(result)
}

/// Decompress from the given source as if using a `Decoder`.
///
/// Decompressed data will be appended to `destination`.
pub fn copy_decode<R, W>(source: R, mut destination: W) -> io::Result<()>
where
    R: io::Read,
    W: io::Write,
{
    let mut decoder = Decoder::new(source)?;
    io::copy(&mut decoder, &mut destination)?;
    Ok(())
}

/// Compress all data from the given source as if using an `Encoder`.
///
/// Result will be in the zstd frame format.
///
/// A level of `0` uses zstd's default (currently `3`).
pub fn encode_all<R: io::Read>(source: R, level: i32) -> io::Result<Vec<u8>> {
    let mut result = Vec::<u8>::new();
    copy_encode(source, &mut result, level)?;
    Ok(result)
}

/// Compress all data from the given source as if using an `Encoder`.
///
/// Compressed data will be appended to `destination`.
///
/// A level of `0` uses zstd's default (currently `3`).
pub fn copy_encode<R, W>(
    mut source: R,
    destination: W,
    level: i32,
) -> io::Result<()>
where
    R: io::Read,
    W: io::Write,
{
    let mut encoder = Encoder::new(destination, level)?;
    io::copy(&mut source, &mut encoder)?;
    encoder.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {}
