//! Private names that let [`crate::Value`] and the wrapper types tell this
//! crate's serializer and deserializer about Python shapes serde has no word
//! for (sets, shared objects, globals...). Other serde formats see ordinary
//! newtype structs and serialize the inner data.

/// Asks this crate's deserializer for a whole [`crate::Value`] (lossless).
pub(crate) const VALUE: &str = "\0serde_pickle::Value";
