//! Reading a generated article before it is approved.
//!
//! [`similarity`] finds near-copies: a compact signature per article (MinHash over character
//! shingles that work for Chinese and English alike), an index that finds the most similar
//! stored signature among many, and a separate similarity for short topic strings. It is pure
//! computation: no store, no configuration, no I/O.

pub mod similarity;
