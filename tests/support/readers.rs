//! Readers that hand out input awkwardly, shared by the reader tests in
//! `tests/reading/from_reader.rs` and the unit tests of `src/stream`
//! (which mount this file with `#[path]`: they need the crate's internal
//! fast-path switch, so they cannot live in `tests/`).

use std::io::{self, Read};

/// Hands out at most `step` bytes per call, and `Interrupted` every third call.
pub struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
    calls: usize,
}

impl<'a> Trickle<'a> {
    pub fn new(data: &'a [u8], step: usize) -> Self {
        Trickle { data, step, calls: 0 }
    }
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls % 3 == 0 {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Gives `data`, then fails.
pub struct Broken<'a>(pub &'a [u8]);

impl Read for Broken<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(io::Error::new(io::ErrorKind::ConnectionReset, "peer went away"));
        }
        self.0.read(buf)
    }
}
