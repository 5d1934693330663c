//! Reading a stream of several pickles, as repeated `pickle.load(f)` does.

use std::marker::PhantomData;

use serde::de;

use crate::de::Deserializer;
use crate::error::Result;
use crate::read::Read;

/// An iterator over the pickles of a stream, each deserialized as `T`.
/// Made by [`Deserializer::into_iter`]. Stops at the end of the input, and
/// after the first error.
///
/// ```
/// use serde_pickle::Deserializer;
/// let mut pipe = Vec::new();
/// for word in ["a", "b", "c"] {
///     serde_pickle::to_writer(&mut pipe, &word).unwrap();
/// }
/// let words: Vec<String> = Deserializer::from_reader(&pipe[..])
///     .into_iter::<String>()
///     .collect::<Result<_, _>>()
///     .unwrap();
/// assert_eq!(words, ["a", "b", "c"]);
/// ```
pub struct StreamDeserializer<'de, R, T> {
    de: Deserializer<R>,
    failed: bool,
    _marker: PhantomData<(&'de (), T)>,
}

impl<'de, R: Read<'de>, T: de::Deserialize<'de>> StreamDeserializer<'de, R, T> {
    pub(crate) fn new(de: Deserializer<R>) -> Self {
        StreamDeserializer { de, failed: false, _marker: PhantomData }
    }

    /// Byte offset just past the last pickle read.
    pub fn byte_offset(&self) -> u64 {
        self.de.read.offset()
    }
}

impl<'de, R: Read<'de>, T: de::Deserialize<'de>> Iterator for StreamDeserializer<'de, R, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        if self.failed {
            return None;
        }
        match self.de.next_value() {
            Ok(Some(v)) => Some(Ok(v)),
            Ok(None) => None,
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests;
