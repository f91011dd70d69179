//! Near-duplicate detection for articles, and similarity of topic strings.
//!
//! # Articles
//!
//! 1. [`normalize`] turns Markdown into plain running text: code fence lines, heading and
//!    list markers, link and image URLs, HTML tags and emphasis go; letters are case-folded,
//!    full-width forms become ASCII, and every run of punctuation or whitespace becomes one
//!    space.
//! 2. The text is cut into tokens: each CJK character (Han, kana, Hangul) is a token, and so is
//!    each run of other letters and digits (an English word). A shingle is
//!    [`CJK_SHINGLE`] consecutive tokens when it starts on a CJK character, [`LATIN_SHINGLE`]
//!    otherwise; it is hashed to 64 bits with a fixed function, so signatures stay comparable
//!    across builds and hosts.
//! 3. A [`Signature`] is a MinHash of the set of shingles ([`HASHES`] 32-bit minima from
//!    seeded universal hashes) plus the number of distinct shingles: 520 bytes
//!    ([`Signature::to_bytes`]), or a base64 string ([`Signature::encode`]).
//! 4. [`Signature::similarity`] is the estimated *overlap* of the two shingle sets,
//!    `|A ∩ B| / min(|A|, |B|)`, computed from the estimated Jaccard index and the two set
//!    sizes. Unlike the Jaccard index it stays high when one article is a truncated copy of
//!    the other. [`DEFAULT_MAX_SIMILARITY`] is the threshold measured on the labelled set in
//!    `tests/data/near_duplicates.jsonl`.
//! 5. An [`Index`] holds many signatures and finds the most similar one through LSH banding
//!    ([`BANDS`] bands of [`ROWS`] minima): only signatures that share a band with the query
//!    are scored. [`Signature::band_keys`] exposes the keys, so a store can index them too.
//!
//! # Choices, and how they were measured
//!
//! On the labelled set (`cargo xtask dupes`; 240 pairs, half Chinese, half English), with the
//! exact shingle sets and with the signatures:
//!
//! - **Shingle lengths.** Of (CJK characters, English words) = (2, 1), (2, 2), (3, 2),
//!   (4, 2), (3, 3), (4, 3) and (5, 3), the last gave the widest gap between the
//!   lowest-scoring duplicates and the highest-scoring other articles. With it, over the whole
//!   set: synonym swaps, the hardest duplicates, score 0.59–0.70 in English and 0.74–0.85 in
//!   Chinese (the other duplicates ≥ 0.79); the same template on another topic, the closest
//!   non-duplicates, ≤ 0.52 in English and ≤ 0.43 in Chinese, the same topic ≤ 0.42. Shorter
//!   shingles raise articles on the same topic or template into the duplicates' range;
//!   longer ones sink the duplicates.
//! - **Score.** The overlap separates better than the Jaccard index, which punishes a
//!   truncated copy for what it left out (a copy cut to 70 % has a Jaccard index of 0.7).
//! - **Threshold.** The tune half has no error for thresholds 0.53–0.59;
//!   [`DEFAULT_MAX_SIMILARITY`] is 0.55, and the held-out half then has precision and recall
//!   1.0 (56 of 56 duplicates, no false match). The issue's suggested 0.8 finds only 44 of
//!   the 56 (recall 0.79): a copy with 15 % of its words swapped for synonyms keeps only
//!   about 60 % of its shingles. The test `labelled_set_meets_the_precision_and_recall_goals`
//!   asserts the goals (≥ 0.95 / ≥ 0.90) and that the default is among the tune half's best.
//! - **MinHash rather than SimHash** (SimHash was not measured): MinHash estimates the share
//!   of common shingles directly, with a known error (about ±0.04 at 128 hashes), so the
//!   overlap and a threshold on it mean the same for short and long articles; LSH banding
//!   then finds candidates for a chosen Jaccard range. A 64-bit SimHash estimates an angle,
//!   and searching it within a Hamming radius wide enough for "60 % shared" needs many
//!   permuted tables.
//! - **Speed** (`cargo bench --bench review`): signing a 1,500-character article takes about
//!   0.1 ms; `Index::most_similar` over 100,000 signatures about 4 ms median on a corpus of
//!   articles built from the same sentence pool (many candidates: the pessimistic case).
//!
//! The set is synthetic (sentence templates filled from word lists), so these numbers say
//! the method works on the transformations the issue names, not how real articles of one
//! account spread: watch the scores of held articles once the check runs.
//!
//! # Topics
//!
//! [`topic_similarity`] compares two short topic strings by the Dice coefficient of their
//! character bigrams after the same normalisation; [`DEFAULT_TOPIC_SIMILARITY`] is its
//! threshold.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use base64::Engine as _;

/// Number of MinHash values in a signature.
pub const HASHES: usize = 128;
/// LSH bands the [`Index`] searches; [`BANDS`] × [`ROWS`] ≤ [`HASHES`].
pub const BANDS: usize = 64;
/// Minima per LSH band. With 64 bands of 2, a pair with Jaccard index 0.25 (an overlap of
/// about 0.4) shares a band with probability 0.98, at 0.33 (overlap 0.5) with 0.999; an
/// unrelated article (Jaccard 0.02) with probability 0.025.
pub const ROWS: usize = 2;
/// Tokens per shingle starting on a CJK character.
pub const CJK_SHINGLE: usize = 5;
/// Tokens (words) per shingle starting on any other token.
pub const LATIN_SHINGLE: usize = 3;
/// The default `max_similarity`: an article whose [`Signature::similarity`] with an earlier
/// one is at least this is a near-duplicate.
pub const DEFAULT_MAX_SIMILARITY: f64 = 0.55;
/// The default threshold of [`topic_similarity`]: topics at least this similar (and with the
/// same numbers: [`Topic::nearly_identical`]) are "nearly identical". It is argued, not
/// measured, by the pairs of the test `topics_compare_by_character_bigrams`: a question mark,
/// spaces, case, width, "your" or a dropped "年" keep two topics at 0.8 or above; another
/// subject noun ("学习效率" for "睡眠质量", "food streets" for "hiking trails") takes them
/// below it.
pub const DEFAULT_TOPIC_SIMILARITY: f64 = 0.8;

const SEED: u64 = 0x636f_6e74_656e_7468; // "contenth"
const FORMAT: u8 = 1;
/// Bytes of [`Signature::to_bytes`]: format, reserved, 2 bytes of zero padding, the shingle
/// count, then the minima (all little-endian).
pub const SIGNATURE_BYTES: usize = 8 + 4 * HASHES;

// ---------------------------------------------------------------------------------------------
// Normalisation

/// Markdown to plain running text, for shingling. See the module documentation.
pub fn normalize(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut fence: Option<&str> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker) {
                fence = None;
            } else {
                fold_into(trimmed, &mut out);
            }
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
            continue;
        }
        let body = strip_block_markers(trimmed);
        fold_into(&strip_inline(body), &mut out);
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Drops heading, quote and list markers at the start of a line.
fn strip_block_markers(mut line: &str) -> &str {
    loop {
        let before = line;
        line = line.trim_start_matches(['#', '>']).trim_start();
        for bullet in ["- ", "* ", "+ "] {
            if let Some(rest) = line.strip_prefix(bullet) {
                line = rest.trim_start();
            }
        }
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && digits < 10 {
            let rest = &line[digits..];
            if let Some(rest) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
                line = rest.trim_start();
            }
        }
        if line == before {
            return line;
        }
    }
}

/// Drops link and image targets (`[text](url)` keeps `text`), autolinks and HTML tags.
fn strip_inline(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find(['(', '<']) {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        let close = if tail.starts_with('(') { ')' } else { '>' };
        let is_target = if close == ')' {
            head.ends_with(']')
        } else {
            // A tag or an autolink: `<` followed by a letter, `/` or `!`, closed on the line.
            tail[1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!')
        };
        match tail.find(close) {
            Some(end) if is_target => rest = &tail[end + 1..],
            _ => {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Appends `text` case-folded and width-normalised, with each run of characters that are
/// neither letters nor digits as one space, and a space at the end.
fn fold_into(text: &str, out: &mut String) {
    let mut space = out.is_empty() || out.ends_with(' ');
    for c in text.chars() {
        let c = fold_width(c);
        if c.is_alphanumeric() {
            if c.is_uppercase() {
                out.extend(c.to_lowercase());
            } else {
                out.push(c);
            }
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if !space {
        out.push(' ');
    }
}

/// Full-width ASCII forms and the ideographic space to their ASCII counterparts.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Whether `c` is written without spaces between words (Han, kana, Hangul), and so is a
/// token of its own.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF       // Hiragana, Katakana
        | 0x3400..=0x4DBF     // CJK Extension A
        | 0x4E00..=0x9FFF     // CJK Unified Ideographs
        | 0xAC00..=0xD7AF     // Hangul syllables
        | 0xF900..=0xFAFF     // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F) // CJK Extensions B–F, Compatibility Supplement
}

// ---------------------------------------------------------------------------------------------
// Shingles

/// FNV-1a over the bytes, then the SplitMix64 finaliser: fixed across builds and hosts.
fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The tokens of normalised text: (hash, starts a CJK shingle).
fn tokens(normalized: &str) -> Vec<(u64, bool)> {
    let mut out = Vec::with_capacity(normalized.len() / 3);
    for word in normalized.split(' ') {
        let mut start = 0;
        for (i, c) in word.char_indices() {
            if is_cjk(c) {
                if start < i {
                    out.push((hash_bytes(&word.as_bytes()[start..i]), false));
                }
                let end = i + c.len_utf8();
                out.push((hash_bytes(&word.as_bytes()[i..end]), true));
                start = end;
            }
        }
        if start < word.len() {
            out.push((hash_bytes(&word.as_bytes()[start..]), false));
        }
    }
    out
}

/// The distinct hashed shingles of normalised text, sorted.
pub fn shingles(normalized: &str) -> Vec<u64> {
    shingles_k(normalized, CJK_SHINGLE, LATIN_SHINGLE)
}

fn shingles_k(normalized: &str, cjk_k: usize, latin_k: usize) -> Vec<u64> {
    let tokens = tokens(normalized);
    let mut out = Vec::with_capacity(tokens.len());
    for (i, &(first, cjk)) in tokens.iter().enumerate() {
        let k = if cjk { cjk_k } else { latin_k };
        let Some(window) = tokens.get(i..i + k) else {
            // Text shorter than one shingle still has one: all of it.
            if i == 0 {
                out.push(tokens.iter().fold(0, |h, t| mix(h ^ t.0)));
            }
            break;
        };
        let h = window[1..]
            .iter()
            .fold(first, |h, t| mix(h.rotate_left(5) ^ t.0));
        out.push(h);
    }
    out.sort_unstable();
    out.dedup();
    out
}

// ---------------------------------------------------------------------------------------------
// Signatures

/// The multipliers and increments of the [`HASHES`] universal hashes `(a·x + b) >> 32`.
fn coefficients() -> &'static [(u64, u64); HASHES] {
    static COEFFICIENTS: std::sync::OnceLock<[(u64, u64); HASHES]> = std::sync::OnceLock::new();
    COEFFICIENTS.get_or_init(|| {
        let mut state = SEED;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix(state)
        };
        std::array::from_fn(|_| (next() | 1, next()))
    })
}

/// The MinHash signature of one article. See the module documentation.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    mins: [u32; HASHES],
    shingles: u32,
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signature")
            .field("shingles", &self.shingles)
            .field("mins", &&self.mins[..4])
            .finish_non_exhaustive()
    }
}

/// [`Signature::from_bytes`] or [`Signature::decode`] was given something else.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("a similarity signature has {SIGNATURE_BYTES} bytes, not {0}")]
    Length(usize),
    #[error("unknown similarity signature format {0}")]
    Format(u8),
    #[error("a similarity signature is base64: {0}")]
    Base64(String),
}

impl Signature {
    /// The signature of a Markdown article.
    pub fn of(markdown: &str) -> Signature {
        Signature::of_shingles(&shingles(&normalize(markdown)))
    }

    /// The signature of a set of hashed shingles (as [`shingles`] returns them).
    pub fn of_shingles(shingles: &[u64]) -> Signature {
        let mut mins = [u32::MAX; HASHES];
        for &s in shingles {
            for (min, &(a, b)) in mins.iter_mut().zip(coefficients()) {
                let v = (a.wrapping_mul(s).wrapping_add(b) >> 32) as u32;
                *min = (*min).min(v);
            }
        }
        Signature {
            mins,
            shingles: u32::try_from(shingles.len()).unwrap_or(u32::MAX),
        }
    }

    /// Distinct shingles of the article.
    pub fn shingle_count(&self) -> u32 {
        self.shingles
    }

    /// The estimated Jaccard index of the two shingle sets: the share of equal minima.
    pub fn jaccard(&self, other: &Signature) -> f64 {
        if self.shingles == 0 || other.shingles == 0 {
            return 0.0;
        }
        jaccard(&self.mins, &other.mins)
    }

    /// The similarity score, 0–1: the estimated overlap `|A ∩ B| / min(|A|, |B|)` of the two
    /// shingle sets. 1 for a copy or a truncated copy; 0 for an empty article.
    pub fn similarity(&self, other: &Signature) -> f64 {
        overlap(
            self.jaccard(other),
            self.shingles as f64,
            other.shingles as f64,
        )
    }

    /// The [`BANDS`] LSH keys: two signatures are candidates when they share a key at the
    /// same position.
    pub fn band_keys(&self) -> [u32; BANDS] {
        band_keys(&self.mins)
    }

    /// The signature as [`SIGNATURE_BYTES`] bytes, to store.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(SIGNATURE_BYTES);
        out.extend_from_slice(&[FORMAT, 0, 0, 0]);
        out.extend_from_slice(&self.shingles.to_le_bytes());
        for m in self.mins {
            out.extend_from_slice(&m.to_le_bytes());
        }
        out
    }

    /// Reads what [`Signature::to_bytes`] wrote.
    pub fn from_bytes(bytes: &[u8]) -> Result<Signature, SignatureError> {
        if bytes.len() != SIGNATURE_BYTES {
            return Err(SignatureError::Length(bytes.len()));
        }
        if bytes[0] != FORMAT {
            return Err(SignatureError::Format(bytes[0]));
        }
        let word =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        Ok(Signature {
            shingles: word(4),
            mins: std::array::from_fn(|i| word(8 + 4 * i)),
        })
    }

    /// The signature as a base64 string (694 characters), to store as text.
    pub fn encode(&self) -> String {
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(self.to_bytes())
    }

    /// Reads what [`Signature::encode`] wrote.
    pub fn decode(text: &str) -> Result<Signature, SignatureError> {
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(text.trim())
            .map_err(|e| SignatureError::Base64(e.to_string()))?;
        Signature::from_bytes(&bytes)
    }
}

fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    equal as f64 / HASHES as f64
}

/// `|A ∩ B| / min(|A|, |B|)` from the Jaccard index `j` and the set sizes.
fn overlap(j: f64, a: f64, b: f64) -> f64 {
    let small = a.min(b);
    if small <= 0.0 {
        return 0.0;
    }
    let common = j * (a + b) / (1.0 + j);
    (common / small).clamp(0.0, 1.0)
}

fn band_keys(mins: &[u32]) -> [u32; BANDS] {
    std::array::from_fn(|band| {
        let rows = &mins[band * ROWS..(band + 1) * ROWS];
        let h = rows
            .iter()
            .fold(band as u64, |h, &m| mix(h.rotate_left(17) ^ u64::from(m)));
        h as u32
    })
}

// ---------------------------------------------------------------------------------------------
// Index

/// Band keys are already hashes: use them as they are.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u32(&mut self, n: u32) {
        // Spread the 32-bit key over the 64 bits the table reads its control bytes from.
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type Buckets = HashMap<u32, u32, BuildHasherDefault<KeyHasher>>;

const NONE: u32 = u32::MAX;

/// Many signatures, searched for the most similar one. Ids are the caller's (content ids).
///
/// Memory: 512 bytes of minima and 256 bytes of band chains per signature, plus the band
/// tables: about 1 KB per signature in all (95 MiB for 100,000 in `benches/review.rs`).
#[derive(Default)]
pub struct Index {
    ids: Vec<i64>,
    sizes: Vec<u32>,
    mins: Vec<u32>,
    /// Per band: key → the newest entry with that key.
    heads: Vec<Buckets>,
    /// Entry × band → the next older entry with the same key, or `NONE`.
    next: Vec<u32>,
}

impl Index {
    pub fn new() -> Index {
        Index::with_capacity(0)
    }

    pub fn with_capacity(n: usize) -> Index {
        Index {
            ids: Vec::with_capacity(n),
            sizes: Vec::with_capacity(n),
            mins: Vec::with_capacity(n * HASHES),
            // Similar articles share band keys, so the tables grow as they need to.
            heads: (0..BANDS).map(|_| Buckets::default()).collect(),
            next: Vec::with_capacity(n * BANDS),
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Adds a signature under `id`. The same id may be inserted twice; both are searched.
    pub fn insert(&mut self, id: i64, signature: &Signature) {
        let entry = u32::try_from(self.ids.len()).expect("fewer than 4 billion signatures");
        self.ids.push(id);
        self.sizes.push(signature.shingles);
        self.mins.extend_from_slice(&signature.mins);
        if signature.shingles == 0 {
            // An empty article is similar to nothing: no band keys.
            self.next.extend([NONE; BANDS]);
            return;
        }
        for (band, key) in signature.band_keys().into_iter().enumerate() {
            let older = self.heads[band].insert(key, entry).unwrap_or(NONE);
            self.next.push(older);
        }
    }

    /// The stored signature most similar to `signature` ([`Signature::similarity`]) with a
    /// score of at least `min_score`, as (id, score). On equal scores the newest insert wins.
    ///
    /// Only signatures sharing an LSH band with the query are scored, so a pair whose
    /// Jaccard index is below about 0.25 may be missed (see [`ROWS`]): that only matters for
    /// a `min_score` below about 0.4.
    pub fn most_similar(&self, signature: &Signature, min_score: f64) -> Option<(i64, f64)> {
        if signature.shingles == 0 {
            return None;
        }
        // One bit per entry: each candidate is scored once, however many bands it shares.
        let mut seen = vec![0u64; self.ids.len().div_ceil(64)];
        let mut best: Option<(u32, f64)> = None;
        for (band, key) in signature.band_keys().into_iter().enumerate() {
            let mut entry = self.heads[band].get(&key).copied().unwrap_or(NONE);
            while entry != NONE {
                let e = entry as usize;
                let (word, bit) = (e / 64, 1u64 << (e % 64));
                if seen[word] & bit == 0 {
                    seen[word] |= bit;
                    let j = jaccard(&signature.mins, &self.mins[e * HASHES..(e + 1) * HASHES]);
                    let score = overlap(j, signature.shingles as f64, self.sizes[e] as f64);
                    let better = best.is_none_or(|(b, s)| score > s || (score == s && entry > b));
                    if score >= min_score && better {
                        best = Some((entry, score));
                    }
                }
                entry = self.next[e * BANDS + band];
            }
        }
        best.map(|(entry, score)| (self.ids[entry as usize], score))
    }
}

impl fmt::Debug for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Index").field("len", &self.len()).finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Topics

/// How alike two topic strings are, 0–1: the Dice coefficient of the character bigrams of
/// their normalised forms (spaces between words count as characters, so word boundaries
/// matter in English; CJK text is compared character pair by character pair). Equal topics
/// score 1, whatever their case, width or punctuation.
pub fn topic_similarity(a: &str, b: &str) -> f64 {
    Topic::new(a).similarity(&Topic::new(b))
}

/// A topic prepared for [`topic_similarity`], to compare one topic with many without
/// preparing each of them again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    bigrams: Vec<(char, char)>,
    /// The runs of ASCII digits, in order (after full-width digits are folded).
    numbers: Vec<String>,
}

impl Topic {
    pub fn new(topic: &str) -> Topic {
        let mut folded = String::new();
        fold_into(topic, &mut folded);
        let numbers = folded
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect();
        Topic {
            bigrams: bigrams(topic),
            numbers,
        }
    }

    /// [`topic_similarity`] of the two topics.
    pub fn similarity(&self, other: &Topic) -> f64 {
        dice(&self.bigrams, &other.bigrams)
    }

    /// Whether the two topics are nearly identical: [`Topic::similarity`] ≥
    /// [`DEFAULT_TOPIC_SIMILARITY`], and the same numbers in the same order. A number names
    /// which one of a series a topic is ("Part 2", "2025年", "week 48"): two topics that differ
    /// only in it are different topics, though all their other character pairs agree.
    pub fn nearly_identical(&self, other: &Topic) -> bool {
        self.numbers == other.numbers && self.similarity(other) >= DEFAULT_TOPIC_SIMILARITY
    }
}

/// How many of a topic's `n` index tokens go into its prefix ([`Topic::prefix_tokens`]):
/// `n - ceil(2n/3) + 1`. Two topics at [`DEFAULT_TOPIC_SIMILARITY`] (a Dice coefficient of
/// 0.8) whose bigram multisets have sizes `a` and `b` share at least `0.4 (a + b)` bigrams,
/// and since the share is at most `min(a, b)`, at least `2a/3` and `2b/3` of them. The
/// smallest shared token (in any one global order) then has at most `n - ceil(2n/3)` tokens of
/// either topic before it, so it lies in both prefixes.
pub fn topic_prefix_len(n: usize) -> usize {
    n - (2 * n).div_ceil(3) + 1
}

impl Topic {
    /// The tokens under which a topic is indexed and looked up, so that every topic
    /// [`Topic::nearly_identical`] to this one shares at least one of them (an exact prefix
    /// filter, with no false negatives): each bigram, a repeated one counted as distinct
    /// tokens (bigram, k-th occurrence), hashed together with the topic's sequence of numbers
    /// (so the items of a series share no token), sorted by that 64-bit hash, and the first
    /// [`topic_prefix_len`] of them. A topic without bigrams (nothing left after
    /// normalisation) has one token, shared only by the other topics without bigrams and with
    /// the same numbers (none), which are nearly identical to it. The hashes are fixed across
    /// builds and hosts: they are stored (`store::topic_tokens`). Sorted, without repeats.
    pub fn prefix_tokens(&self) -> Vec<i64> {
        let mut numbers = Vec::new();
        for n in &self.numbers {
            numbers.extend_from_slice(n.as_bytes());
            numbers.push(b' ');
        }
        let salt = hash_bytes(&numbers);
        if self.bigrams.is_empty() {
            return vec![mix(salt ^ 0x656d_7074_7920_7470) as i64]; // "empty tp"
        }
        let mut tokens: Vec<i64> = Vec::with_capacity(self.bigrams.len());
        let mut k = 0u32;
        for (i, &(x, y)) in self.bigrams.iter().enumerate() {
            // The bigrams are sorted: repeats are adjacent.
            k = if i > 0 && self.bigrams[i - 1] == (x, y) {
                k + 1
            } else {
                0
            };
            let mut bytes = [0u8; 20];
            bytes[..4].copy_from_slice(&u32::from(x).to_le_bytes());
            bytes[4..8].copy_from_slice(&u32::from(y).to_le_bytes());
            bytes[8..12].copy_from_slice(&k.to_le_bytes());
            bytes[12..].copy_from_slice(&salt.to_le_bytes());
            tokens.push(hash_bytes(&bytes) as i64);
        }
        tokens.sort_unstable();
        tokens.truncate(topic_prefix_len(self.bigrams.len()));
        tokens.dedup();
        tokens
    }
}

fn dice(a: &[(char, char)], b: &[(char, char)]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return if a == b { 1.0 } else { 0.0 };
    }
    let mut common = 0;
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// Whether two topics are nearly identical ([`Topic::nearly_identical`]).
pub fn topics_similar(a: &str, b: &str) -> bool {
    Topic::new(a).nearly_identical(&Topic::new(b))
}

/// The sorted multiset of character bigrams of a normalised topic; a one-character topic is
/// its own bigram.
fn bigrams(topic: &str) -> Vec<(char, char)> {
    let mut text = String::new();
    fold_into(topic, &mut text);
    // Spaces between two CJK characters carry nothing: Chinese is written without them.
    let chars: Vec<char> = text.trim_end().chars().collect();
    let chars: Vec<char> = chars
        .iter()
        .enumerate()
        .filter(|&(i, &c)| {
            !(c == ' '
                && i > 0
                && chars.get(i + 1).is_some_and(|&n| is_cjk(n))
                && is_cjk(chars[i - 1]))
        })
        .map(|(_, &c)| c)
        .collect();
    let mut out: Vec<(char, char)> = match chars.as_slice() {
        [] => Vec::new(),
        [c] => vec![(*c, *c)],
        _ => chars.windows(2).map(|w| (w[0], w[1])).collect(),
    };
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One pair of the labelled set (`cargo xtask dupes`).
    struct Pair {
        duplicate: bool,
        tune: bool,
        a: Signature,
        b: Signature,
    }

    fn labelled_set() -> Vec<Pair> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/near_duplicates.jsonl"
        );
        let text = std::fs::read_to_string(path).expect("the labelled set");
        text.lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
                let text = |k: &str| v[k].as_str().expect("an article").to_string();
                Pair {
                    duplicate: v["duplicate"].as_bool().expect("duplicate"),
                    tune: v["split"] == "tune",
                    a: Signature::of(&text("a")),
                    b: Signature::of(&text("b")),
                }
            })
            .collect()
    }

    /// For each pair of one half: (is a duplicate, the score of the most similar `a` of the
    /// half for its `b` through an [`Index`], and whether that is its own `a`).
    fn searched(pairs: &[&Pair]) -> Vec<(bool, f64, bool)> {
        let mut index = Index::new();
        for (i, p) in pairs.iter().enumerate() {
            index.insert(i as i64, &p.a);
        }
        pairs
            .iter()
            .enumerate()
            .map(|(i, p)| match index.most_similar(&p.b, 0.0) {
                Some((id, score)) => (p.duplicate, score, id == i as i64),
                None => (p.duplicate, 0.0, false),
            })
            .collect()
    }

    /// (true positives, false positives, false negatives) at a threshold. A hit on another
    /// pair's article is a false positive, and for a duplicate also a false negative.
    fn confusion(results: &[(bool, f64, bool)], threshold: f64) -> (usize, usize, usize) {
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for &(duplicate, score, own) in results {
            let hit = score >= threshold;
            match (duplicate, hit, own) {
                (true, true, true) => tp += 1,
                (true, true, false) => {
                    fp += 1;
                    fn_ += 1;
                }
                (true, false, _) => fn_ += 1,
                (false, true, _) => fp += 1,
                (false, false, _) => {}
            }
        }
        (tp, fp, fn_)
    }

    /// Issue 16: `max_similarity` is chosen on the `tune` half of the labelled set, and the
    /// `test` half must reach precision ≥ 0.95 and recall ≥ 0.90 at it.
    #[test]
    fn labelled_set_meets_the_precision_and_recall_goals() {
        let set = labelled_set();
        assert!(set.len() >= 200, "{} pairs", set.len());
        let tune: Vec<&Pair> = set.iter().filter(|p| p.tune).collect();
        let test: Vec<&Pair> = set.iter().filter(|p| !p.tune).collect();

        // The thresholds (in steps of 0.01) with the fewest errors on the tune half.
        let results = searched(&tune);
        let errors = |t: f64| {
            let (_, fp, fn_) = confusion(&results, t);
            fp + fn_
        };
        let steps: Vec<f64> = (1..100).map(|i| f64::from(i) / 100.0).collect();
        let fewest = steps.iter().map(|&t| errors(t)).min().unwrap();
        let best: Vec<f64> = steps
            .iter()
            .copied()
            .filter(|&t| errors(t) == fewest)
            .collect();
        let (lo, hi) = (best[0], best[best.len() - 1]);
        println!("tune half: {fewest} errors for thresholds {lo:.2}–{hi:.2}");
        assert!(
            (lo..=hi).contains(&DEFAULT_MAX_SIMILARITY),
            "the default {DEFAULT_MAX_SIMILARITY} is not among the tune half's best thresholds \
             {lo:.2}–{hi:.2}"
        );

        let results = searched(&test);
        for t in [0.8, 0.7, 0.6] {
            let (tp, fp, fn_) = confusion(&results, t);
            println!("test half at {t}: {tp} found, {fp} false, {fn_} missed");
        }
        let (tp, fp, fn_) = confusion(&results, DEFAULT_MAX_SIMILARITY);
        let precision = tp as f64 / (tp + fp) as f64;
        let recall = tp as f64 / (tp + fn_) as f64;
        println!(
            "test half at {DEFAULT_MAX_SIMILARITY}: precision {precision:.3} recall {recall:.3} \
             ({tp} found, {fp} false, {fn_} missed of {} pairs)",
            test.len()
        );
        assert!(precision >= 0.95, "precision {precision:.3} < 0.95");
        assert!(recall >= 0.90, "recall {recall:.3} < 0.90");
    }

    #[test]
    fn normalize_strips_markdown_and_folds_case_width_and_punctuation() {
        let md = "# Title **Bold**\n\n## 第一节：概述\n\n- see [the docs](https://x.example/a)\n\
                  ![alt text](img.png) <b>tag</b> <https://y.example>\n```rust\nlet x = 1;\n```\n\
                  1. ＡＢＣ，全角　空格！\n> quoted _text_";
        assert_eq!(
            normalize(md),
            "title bold 第一节 概述 see the docs alt text tag let x 1 abc 全角 空格 quoted text"
        );
    }

    #[test]
    fn shingles_are_cjk_characters_and_latin_words() {
        // 6 CJK characters → 2 shingles of 5; 4 words → 2 shingles of 3.
        assert_eq!(shingles("一二三四五六").len(), 2);
        assert_eq!(shingles("one two three four").len(), 2);
        assert_eq!(shingles("一二三四").len(), 1);
        assert_eq!(shingles("one").len(), 1);
        assert!(shingles("").is_empty());
        assert_eq!(
            shingles(&normalize("Hello, World!")),
            shingles("hello world")
        );
    }

    #[test]
    fn identical_and_truncated_copies_score_one_and_unrelated_text_near_zero() {
        let a = "The quick brown fox jumps over the lazy dog while the farmer sleeps in the sun and the \
                 cat watches from the barn roof, waiting for the mice to come out of the hay.";
        let b =
            "Quarterly revenue grew on strong demand for cloud services, the company said, and \
                 margins improved as data centre costs fell across every region it serves.";
        let (sa, sb) = (Signature::of(a), Signature::of(b));
        assert_eq!(sa.similarity(&sa), 1.0);
        assert!(sa.similarity(&sb) < 0.1, "{}", sa.similarity(&sb));
        let half = Signature::of(&a[..a.len() * 3 / 4]);
        assert!(sa.similarity(&half) > 0.85, "{}", sa.similarity(&half));
        assert!(sa.jaccard(&half) < sa.similarity(&half));
        let empty = Signature::of("");
        assert_eq!(empty.similarity(&empty), 0.0);
        assert_eq!(empty.similarity(&sa), 0.0);
    }

    #[test]
    fn signatures_round_trip_as_bytes_and_text() {
        let s = Signature::of("# 标题\n\n## 一\n\n正文内容，和一些 English words.");
        let bytes = s.to_bytes();
        assert_eq!(bytes.len(), SIGNATURE_BYTES);
        assert_eq!(Signature::from_bytes(&bytes).unwrap(), s);
        assert_eq!(Signature::decode(&s.encode()).unwrap(), s);
        assert_eq!(s.encode().len(), 694);
        assert_eq!(
            Signature::from_bytes(&bytes[1..]),
            Err(SignatureError::Length(SIGNATURE_BYTES - 1))
        );
        let mut other = bytes.clone();
        other[0] = 9;
        assert_eq!(
            Signature::from_bytes(&other),
            Err(SignatureError::Format(9))
        );
        assert!(Signature::decode("not base64!").is_err());
    }

    #[test]
    fn signatures_are_stable_across_builds() {
        // Stored signatures must stay comparable: the hash functions and the seed are fixed.
        let s = Signature::of("Stable signatures: 稳定的签名。");
        assert_eq!(s.shingle_count(), 3);
        assert_eq!(
            &s.to_bytes()[..12],
            &[1, 0, 0, 0, 3, 0, 0, 0, 98, 219, 170, 48]
        );
    }

    #[test]
    fn index_finds_the_most_similar_above_the_threshold() {
        let texts = [
            "Rust gives you memory safety without a garbage collector and fearless concurrency for systems work.",
            "Gardening in spring means pruning roses, dividing perennials and sowing tomatoes under glass early.",
            "如何提高睡眠质量：保持规律作息，睡前减少使用手机，卧室保持安静和黑暗，适量运动。",
        ];
        let mut index = Index::new();
        assert!(index.is_empty());
        for (id, t) in texts.iter().enumerate() {
            index.insert(id as i64 + 1, &Signature::of(t));
        }
        index.insert(99, &Signature::of(""));
        assert_eq!(index.len(), 4);
        let query =
            Signature::of("如何提高睡眠质量：保持规律作息，睡前减少使用手机，卧室保持安静。");
        let (id, score) = index.most_similar(&query, 0.5).unwrap();
        assert_eq!(id, 3);
        assert!(score > 0.8, "{score}");
        assert_eq!(index.most_similar(&query, 1.01), None);
        let other = Signature::of(
            "Completely different words about sailing boats on the open sea at night.",
        );
        assert_eq!(index.most_similar(&other, 0.3), None);
        assert_eq!(index.most_similar(&Signature::of(""), 0.0), None);
    }

    #[test]
    fn topics_compare_by_character_bigrams() {
        let same = [
            ("如何提高睡眠质量", "如何提高睡眠质量？"),
            ("如何提高睡眠质量", "如何 提高 睡眠质量"),
            (
                "How to Improve Sleep Quality",
                "how to improve sleep quality",
            ),
            (
                "How to improve sleep quality",
                "How to improve your sleep quality",
            ),
            ("ＡＩ写作工具推荐", "AI写作工具推荐"),
            ("2025年新能源汽车市场分析", "2025新能源汽车市场分析"),
        ];
        for (a, b) in same {
            assert!(
                topics_similar(a, b),
                "{a} / {b}: {}",
                topic_similarity(a, b)
            );
        }
        let different = [
            ("如何提高睡眠质量", "如何提高学习效率"),
            ("2025年新能源汽车市场分析", "2025年二手汽车市场分析"),
            (
                "How to improve sleep quality",
                "How to improve study habits",
            ),
            (
                "Best hiking trails in Yunnan",
                "Best food streets in Yunnan",
            ),
            // Numbers tell the items of a series apart.
            ("writer 1 task 12", "writer 1 task 13"),
            ("2024年新能源汽车市场分析", "2025年新能源汽车市场分析"),
            ("Rust async, part 2", "Rust async, part 3"),
        ];
        for (a, b) in different {
            assert!(
                !topics_similar(a, b),
                "{a} / {b}: {}",
                topic_similarity(a, b)
            );
        }
        assert!(topics_similar("Week 48 digest", "week 48 digest!"));
        assert!(
            topics_similar("第４８周回顾", "第48周回顾"),
            "full-width digits fold"
        );
        assert_eq!(topic_similarity("", ""), 1.0);
        assert_eq!(topic_similarity("a", ""), 0.0);
    }

    /// A small deterministic generator for the property test (xorshift64*).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn shares_a_prefix_token(a: &Topic, b: &Topic) -> bool {
        let (x, y) = (a.prefix_tokens(), b.prefix_tokens());
        x.iter().any(|t| y.binary_search(t).is_ok())
    }

    #[test]
    fn prefix_length_is_n_minus_the_ceiling_of_two_thirds_plus_one() {
        for n in 0..200usize {
            let ceil = (2 * n).div_ceil(3);
            assert_eq!(topic_prefix_len(n), n - ceil + 1, "{n}");
        }
        assert_eq!(
            (1..=6).map(topic_prefix_len).collect::<Vec<_>>(),
            [1, 1, 2, 2, 2, 3]
        );
    }

    #[test]
    fn prefix_tokens_are_stable_across_builds() {
        // Stored tokens must stay comparable: the hash and its inputs are fixed.
        let t = Topic::new("Rust async, part 2").prefix_tokens();
        assert_eq!(t, Topic::new("rust ASYNC part 2").prefix_tokens());
        assert_eq!(
            t,
            [
                -7_915_407_763_665_998_856,
                -7_553_034_421_581_314_851,
                -5_830_523_516_418_758_910,
                -5_626_908_314_352_958_256,
                -4_574_280_451_269_794_214,
                -2_725_176_686_853_258_803
            ]
        );
    }

    /// Every pair that `nearly_identical` accepts shares a prefix token: random topics (Chinese,
    /// English, mixed, with numbers, very short) and edits of them (characters inserted,
    /// deleted, replaced, swapped; case, width, punctuation, spaces; repeated bigrams).
    #[test]
    fn nearly_identical_topics_share_a_prefix_token() {
        const ZH: &[char] = &[
            '如', '何', '提', '高', '睡', '眠', '质', '量', '学', '习', '效', '率', '新', '能',
            '源', '汽', '车', '市', '场', '分', '析', '年', '的', '第', '篇', '期', '周', '回',
            '顾', '大', '模', '型',
        ];
        const EN: &[char] = &[
            'a', 'b', 'c', 'd', 'e', 'i', 'o', 'u', 's', 't', 'r', 'n', 'l', ' ', ' ', 'H', 'T',
        ];
        const EXTRA: &[char] = &[
            '？', '?', '!', '，', ',', ' ', 'Ａ', 'Ｉ', '1', '2', '３', '-',
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut accepted = 0usize;
        let mut rejected_sharing = 0usize;
        for round in 0..60_000 {
            let alphabet: &[char] = match round % 3 {
                0 => ZH,
                1 => EN,
                _ if rng.below(2) == 0 => ZH,
                _ => EN,
            };
            // Small alphabets and short topics make repeats and edge cases frequent.
            let len = match rng.below(4) {
                0 => rng.below(4),
                1 => 4 + rng.below(8),
                _ => 8 + rng.below(40),
            };
            let narrow = 2 + rng.below(alphabet.len() - 1);
            let mut a: Vec<char> = (0..len).map(|_| alphabet[rng.below(narrow)]).collect();
            if rng.below(4) == 0 {
                let at = rng.below(a.len() + 1);
                a.insert(at, char::from(b'0' + rng.below(10) as u8));
            }
            let mut b = a.clone();
            for _ in 0..rng.below(4) {
                let pool = if rng.below(3) == 0 { EXTRA } else { alphabet };
                let c = pool[rng.below(pool.len())];
                match rng.below(5) {
                    0 => b.insert(rng.below(b.len() + 1), c),
                    1 if !b.is_empty() => {
                        b.remove(rng.below(b.len()));
                    }
                    2 if !b.is_empty() => {
                        let at = rng.below(b.len());
                        b[at] = c;
                    }
                    3 if b.len() > 1 => {
                        let at = rng.below(b.len() - 1);
                        b.swap(at, at + 1);
                    }
                    _ => b = b.iter().flat_map(|c| c.to_uppercase()).collect(),
                }
            }
            let (sa, sb): (String, String) = (a.into_iter().collect(), b.into_iter().collect());
            let (ta, tb) = (Topic::new(&sa), Topic::new(&sb));
            let shares = shares_a_prefix_token(&ta, &tb);
            if ta.nearly_identical(&tb) {
                accepted += 1;
                assert!(
                    shares,
                    "'{sa}' / '{sb}' ({}) share no prefix token",
                    ta.similarity(&tb)
                );
            } else if shares {
                rejected_sharing += 1;
            }
        }
        // The test meets both outcomes often, and the filter leaves many pairs out.
        assert!(accepted > 10_000, "{accepted}");
        assert!(rejected_sharing > 100, "{rejected_sharing}");
        for (a, b) in [
            ("", ""),
            ("", "?!"),
            ("a", "A"),
            ("a", "a!"),
            ("ab", "AB"),
            ("第 5 篇", "第 5 篇！"),
            ("如何提高睡眠质量", "如何 提高 睡眠质量？"),
            ("aaaaaaaa", "aaaaaaaaa"),
            (
                "How to improve sleep quality",
                "How to improve your sleep quality",
            ),
        ] {
            let (ta, tb) = (Topic::new(a), Topic::new(b));
            assert!(ta.nearly_identical(&tb), "{a} / {b}");
            assert!(shares_a_prefix_token(&ta, &tb), "{a} / {b}");
        }
    }

    #[test]
    fn a_series_shares_no_prefix_token() {
        for (a, b) in [
            ("第 5 篇", "第 6 篇"),
            ("Rust async, part 2", "Rust async, part 3"),
            ("2024年新能源汽车市场分析", "2025年新能源汽车市场分析"),
            ("writer 1 task 12", "writer 1 task 1 2"),
            ("a", "a 1"),
            ("", "1"),
        ] {
            let (ta, tb) = (Topic::new(a), Topic::new(b));
            assert!(!ta.nearly_identical(&tb), "{a} / {b}");
            assert!(!shares_a_prefix_token(&ta, &tb), "{a} / {b}");
        }
    }
}
