//! What the browser test files share: test data and `Blob`s made of it.

use js_sys::{Array, Uint8Array};
use web_sys::Blob;

/// `len` bytes from a fixed pseudo-random sequence.
pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect()
}

/// A `Blob` of `parts`, one after another.
pub fn blob(parts: &[&[u8]]) -> Blob {
    let sequence = Array::new();
    for part in parts {
        sequence.push(&Uint8Array::from(*part));
    }
    Blob::new_with_u8_array_sequence(&sequence).unwrap()
}
