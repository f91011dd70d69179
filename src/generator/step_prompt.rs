//! The prompts of a stepped generation (`steps = ["outline", "draft", "polish"]`), built on
//! the backend's article prompt: the outline asks for headings and notes only; the draft asks
//! for the article along the outline; the polish hands over the draft with the account's
//! targets (word range, keywords, forbidden words), which the review rules check.

use super::contract::Spec;
use crate::domain::step::Step;

/// Whether the account writes in Chinese (the prompts then are Chinese too).
fn chinese(spec: &Spec) -> bool {
    spec.account
        .language
        .trim()
        .to_ascii_lowercase()
        .starts_with("zh")
}

/// What an earlier step wrote, when it ran.
fn text_of(earlier: &[(Step, String)], step: Step) -> Option<&str> {
    earlier
        .iter()
        .find(|(s, _)| *s == step)
        .map(|(_, t)| t.trim())
        .filter(|t| !t.is_empty())
}

/// The system and user messages of `step`, given the article prompt `article` (system,
/// user) and what the steps before it wrote.
pub(crate) fn step_prompt(
    step: Step,
    article: (String, String),
    spec: &Spec,
    earlier: &[(Step, String)],
) -> (String, String) {
    let zh = chinese(spec);
    let (system, user) = article;
    match step {
        Step::Outline => {
            let ask = if zh {
                "这是分步写作的第一步，先不要写正文。只输出文章的大纲，使用 Markdown：第一行是「# 」标题，每个小节一个「## 」标题，其下用一到三个要点说明该节要写的内容。"
            } else {
                "This is the first of several steps: do not write the article yet. Reply with its outline only, in Markdown: the `# ` title line, then each section as a `## ` heading followed by one to three bullet points on what it will cover."
            };
            (system, format!("{user}\n\n{ask}"))
        }
        Step::Draft => match text_of(earlier, Step::Outline) {
            Some(outline) => {
                let follow = if zh {
                    "请按照下面的大纲写出完整的文章（沿用它的标题和小节）："
                } else {
                    "Write the full article along this outline (keep its title and sections):"
                };
                (system, format!("{user}\n\n{follow}\n\n{outline}"))
            }
            None => (system, user),
        },
        Step::Polish => {
            let draft = text_of(earlier, Step::Draft).unwrap_or_default();
            (system, polish_request(spec, draft, zh))
        }
    }
}

/// The polish step's request: the draft and the targets it must meet.
fn polish_request(spec: &Spec, draft: &str, zh: bool) -> String {
    let a = &spec.account;
    let list = |items: &[String], sep: &str| {
        items
            .iter()
            .map(|k| k.trim())
            .filter(|k| !k.is_empty())
            .collect::<Vec<_>>()
            .join(sep)
    };
    let keywords = list(&spec.keywords, if zh { "、" } else { ", " });
    let forbidden = list(&a.forbidden_words, if zh { "、" } else { ", " });
    let mut targets = Vec::new();
    let mut out = String::new();
    if zh {
        match (a.min_words, a.max_words) {
            (Some(lo), Some(hi)) => targets.push(format!("篇幅：{lo}–{hi} 字")),
            (Some(lo), None) => targets.push(format!("篇幅：不少于 {lo} 字")),
            (None, Some(hi)) => targets.push(format!("篇幅：不超过 {hi} 字")),
            (None, None) => {}
        }
        if !keywords.is_empty() {
            targets.push(format!("必须包含这些关键词：{keywords}"));
        }
        if !forbidden.is_empty() {
            targets.push(format!("禁止使用这些词：{forbidden}"));
        }
        out.push_str(&format!(
            "请润色下面这篇关于「{}」的初稿，使之成为定稿：保留其事实、结构和 Markdown 格式（唯一的「# 」标题，小节使用「## 」），改进表达与行文。",
            spec.topic.trim()
        ));
        if !targets.is_empty() {
            out.push_str("定稿须满足：\n");
            for t in &targets {
                out.push_str(&format!("- {t}\n"));
            }
        } else {
            out.push('\n');
        }
        if !spec.feedback.is_empty() {
            out.push_str("上一稿未通过审核，请改正：\n");
            for f in &spec.feedback {
                out.push_str(&format!("- {f}\n"));
            }
        }
        out.push_str("只输出润色后的文章。\n\n初稿：\n\n");
    } else {
        match (a.min_words, a.max_words) {
            (Some(lo), Some(hi)) => targets.push(format!("Length: {lo}–{hi} words")),
            (Some(lo), None) => targets.push(format!("Length: at least {lo} words")),
            (None, Some(hi)) => targets.push(format!("Length: at most {hi} words")),
            (None, None) => {}
        }
        if !keywords.is_empty() {
            targets.push(format!("Keywords it must contain: {keywords}"));
        }
        if !forbidden.is_empty() {
            targets.push(format!("Never use these words: {forbidden}"));
        }
        out.push_str(&format!(
            "Polish the draft below, about {}, into the final article: keep its facts, structure and Markdown format (a single `# ` title, sections with `## `) and improve clarity, flow and wording.",
            spec.topic.trim()
        ));
        if !targets.is_empty() {
            out.push_str(" The final article must meet these targets:\n");
            for t in &targets {
                out.push_str(&format!("- {t}\n"));
            }
        } else {
            out.push('\n');
        }
        if !spec.feedback.is_empty() {
            out.push_str("The previous article did not pass review; fix this:\n");
            for f in &spec.feedback {
                out.push_str(&format!("- {f}\n"));
            }
        }
        out.push_str("Reply with the polished article only.\n\nDraft:\n\n");
    }
    out.push_str(draft);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::testing::spec;

    fn article() -> (String, String) {
        ("SYSTEM".into(), "USER".into())
    }

    #[test]
    fn each_step_builds_on_the_one_before() {
        let mut s = spec();
        s.account.language = "en".into();
        let (system, user) = step_prompt(Step::Outline, article(), &s, &[]);
        assert_eq!(system, "SYSTEM");
        assert!(user.starts_with("USER\n\n") && user.contains("outline only"));

        let earlier = vec![(Step::Outline, "# T\n\n## One\n- a".to_string())];
        let (_, user) = step_prompt(Step::Draft, article(), &s, &earlier);
        assert!(user.starts_with("USER\n\n") && user.ends_with("# T\n\n## One\n- a"));
        assert_eq!(step_prompt(Step::Draft, article(), &s, &[]).1, "USER");

        let earlier = vec![
            (Step::Outline, "# T".to_string()),
            (Step::Draft, "# T\n\nThe draft.".to_string()),
        ];
        let (_, user) = step_prompt(Step::Polish, article(), &s, &earlier);
        assert!(!user.contains("USER"), "{user}");
        for needle in [
            "Polish the draft",
            "Length: 800–1500 words",
            "Keywords it must contain: tokio, async",
            "Never use these words: 震惊",
            "Draft:\n\n# T\n\nThe draft.",
        ] {
            assert!(user.contains(needle), "{needle}: {user}");
        }
    }

    #[test]
    fn the_polish_step_carries_the_review_feedback() {
        let mut s = spec();
        s.account.language = "en".into();
        s.feedback = vec!["the previous draft had 412 words; write 800–1500".into()];
        let earlier = vec![(Step::Draft, "# T\n\nThe draft.".to_string())];
        let (_, user) = step_prompt(Step::Polish, article(), &s, &earlier);
        assert!(
            user.contains("did not pass review")
                && user.contains("- the previous draft had 412 words; write 800–1500"),
            "{user}"
        );
        s.feedback.clear();
        let (_, user) = step_prompt(Step::Polish, article(), &s, &earlier);
        assert!(!user.contains("did not pass review"), "{user}");
    }

    #[test]
    fn chinese_accounts_get_chinese_step_prompts() {
        let s = spec();
        let (_, user) = step_prompt(Step::Outline, article(), &s, &[]);
        assert!(user.contains("只输出文章的大纲"), "{user}");
        let earlier = vec![(Step::Draft, "# 标题\n\n正文".to_string())];
        let (_, user) = step_prompt(Step::Polish, article(), &s, &earlier);
        for needle in [
            "请润色",
            "篇幅：800–1500 字",
            "tokio、async",
            "禁止使用这些词：震惊",
            "初稿：\n\n# 标题",
        ] {
            assert!(user.contains(needle), "{needle}: {user}");
        }
    }
}
