//! Compress and decompress individual blocks.
//!
//! These methods process all the input data at once.
//! It is therefore best used with relatively small blocks
//! (like small network packets).

mod compressor;
mod decompressor;

pub use self::compressor::Compressor;
pub use self::decompressor::Decompressor;

use std::io;

/// Compresses a single block of data to the given destination buffer.
///
/// Returns the number of bytes written, or an error if something happened
/// (for instance if the destination buffer was too small).
///
/// A level of `0` uses zstd's default (currently `3`).
pub fn compress_to_buffer(
    source: &[u8],
    destination: &mut [u8],
    level: i32,
) -> io::Result<usize> {
    Compressor::new().compress_to_buffer(source, destination, level)
}

/// Compresses a block of data and returns the compressed result.
///
/// A level of `0` uses zstd's default (currently `3`).
///
/// trackgate's patch: one compressor per thread, reused (creating a zstd context
/// for every call, as upstream does, took most of the time of sled's compressed
/// writes); and an input under [`RAW_BELOW`] bytes, which zstd rarely shrinks, is
/// stored in a frame of one raw block without trying.
pub fn compress(data: &[u8], level: i32) -> io::Result<Vec<u8>> {
    if data.len() < RAW_BELOW {
        return Ok(raw_frame(data));
    }
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<Compressor> = std::cell::RefCell::new(Compressor::new());
    }
    COMPRESSOR.with(|c| c.borrow_mut().compress(data, level))
}

/// Inputs shorter than this are framed raw by [`compress`].
pub const RAW_BELOW: usize = 256;

/// A zstd frame (RFC 8878) holding `data` (under 256 bytes) as one raw block: the
/// magic number, a single-segment header with a one-byte content size, and a
/// last-block header of type Raw.
fn raw_frame(data: &[u8]) -> Vec<u8> {
    debug_assert!(data.len() < 256);
    let mut frame = Vec::with_capacity(data.len() + 9);
    frame.extend_from_slice(&0xFD2F_B528u32.to_le_bytes());
    // Frame header descriptor: FCS flag 0 with Single_Segment set: 1-byte size.
    frame.push(0x20);
    frame.push(data.len() as u8);
    // Block header: Last_Block = 1, Block_Type = Raw (0), Block_Size.
    let block = 1u32 | ((data.len() as u32) << 3);
    frame.extend_from_slice(&block.to_le_bytes()[..3]);
    frame.extend_from_slice(data);
    frame
}

/// Deompress a single block of data to the given destination buffer.
///
/// Returns the number of bytes written, or an error if something happened
/// (for instance if the destination buffer was too small).
pub fn decompress_to_buffer(
    source: &[u8],
    destination: &mut [u8],
) -> io::Result<usize> {
    Decompressor::new().decompress_to_buffer(source, destination)
}

/// Decompresses a block of data and returns the decompressed result.
///
/// The decompressed data should be less than `capacity` bytes,
/// or an error will be returned.
pub fn decompress(data: &[u8], capacity: usize) -> io::Result<Vec<u8>> {
    Decompressor::new().decompress(data, capacity)
}

#[cfg(test)]
mod tests {
    use super::{compress, decompress};

    #[test]
    fn raw_frames_decode() {
        for len in [0, 1, 100, super::RAW_BELOW - 1] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let framed = compress(&data, 3).unwrap();
            assert_eq!(decompress(&framed, len).unwrap(), data);
            assert_eq!(crate::stream::decode_all(&framed[..]).unwrap(), data);
        }
    }

    #[test]
    fn test_direct() {
        // Can we include_str!("assets/example.txt")?
        // It's excluded from the packaging step, so maybe not.
        let text = include_str!("../../assets/example.txt");
        crate::test_cycle_unwrap(
            text.as_bytes(),
            |data| compress(data, 1),
            |data| decompress(data, text.len()),
        );
    }
}
