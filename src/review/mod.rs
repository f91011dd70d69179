//! Reading a generated article before it is approved.
//!
//! [`checks`] are the review rules' checks (word range, forbidden words, keywords, structure,
//! placeholders, language, quality score), each giving the outcome its rule asks for;
//! [`settings`] reads the rules from the `[review]` keys, as the config file and an account's
//! `KEY=VALUE` overrides give them.
//! [`similarity`] finds near-copies: a compact signature per article (MinHash over character
//! shingles that work for Chinese and English alike), an index that finds the most similar
//! stored signature among many, and a separate similarity for short topic strings. Both are
//! pure computation: no store, no I/O.

pub mod checks;
pub mod settings;
pub mod similarity;
