//! Token estimates for rate limits: what a request will count against a provider's `tpm`
//! before its reply says how many it really used.
//!
//! Providers count a request at admission as its prompt tokens plus its completion allowance
//! (`max_tokens`), so the estimate is the same sum:
//!
//! - prompt: about one token per CJK character and one per 4 other characters (rounded up);
//! - completion: the profile's `max_tokens`; else the account's `max_words` in tokens (about
//!   one token per word unit for CJK languages, whose word counts are characters, and 1.3 per
//!   word for the others); else [`DEFAULT_COMPLETION`].

use super::content::is_cjk;

/// The completion allowance when neither `max_tokens` nor the account's `max_words` is set.
pub const DEFAULT_COMPLETION: u64 = 2_048;

/// Tokens of `text` as a prompt.
pub fn prompt_tokens(text: &str) -> u64 {
    let (mut cjk, mut other) = (0u64, 0u64);
    for c in text.chars() {
        if is_cjk(c) {
            cjk += 1;
        } else {
            other += 1;
        }
    }
    cjk + other.div_ceil(4)
}

/// Whether an account language counts its words as characters (Chinese, Japanese, Korean).
pub fn cjk_language(language: &str) -> bool {
    let l = language.trim().to_ascii_lowercase();
    ["zh", "ja", "ko"]
        .iter()
        .any(|p| l == *p || l.starts_with(&format!("{p}-")) || l.starts_with(&format!("{p}_")))
}

/// The completion allowance of a request: `max_tokens`, else `max_words` converted, else the
/// default.
pub fn completion_tokens(max_tokens: Option<u32>, max_words: Option<u32>, language: &str) -> u64 {
    match (max_tokens, max_words) {
        (Some(t), _) => u64::from(t),
        (None, Some(w)) if cjk_language(language) => u64::from(w),
        (None, Some(w)) => (f64::from(w) * 1.3).ceil() as u64,
        (None, None) => DEFAULT_COMPLETION,
    }
}

/// The whole estimate of one request.
pub fn estimate(
    prompt: &str,
    max_tokens: Option<u32>,
    max_words: Option<u32>,
    language: &str,
) -> u64 {
    prompt_tokens(prompt) + completion_tokens(max_tokens, max_words, language)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_count_cjk_characters_one_each() {
        assert_eq!(prompt_tokens(""), 0);
        assert_eq!(prompt_tokens("abcd"), 1);
        assert_eq!(prompt_tokens("abcde"), 2);
        assert_eq!(prompt_tokens("写一篇文章"), 5);
        assert_eq!(prompt_tokens("写一篇 about Rust"), 3 + 3);
    }

    #[test]
    fn completions_follow_max_tokens_then_words() {
        assert_eq!(completion_tokens(Some(800), Some(2000), "en"), 800);
        assert_eq!(completion_tokens(None, Some(1000), "en"), 1300);
        assert_eq!(completion_tokens(None, Some(1000), "zh-CN"), 1000);
        assert_eq!(completion_tokens(None, Some(1000), "ja"), 1000);
        assert_eq!(completion_tokens(None, None, "en"), DEFAULT_COMPLETION);
        assert!(!cjk_language("kok"));
        assert_eq!(estimate("abcd", Some(10), None, "en"), 11);
    }
}
