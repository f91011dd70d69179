//! The built-in offline generator: a deterministic, structured Markdown draft built from the
//! task and its account. It lets a fresh install run end to end with no API key, keeps tests
//! hermetic, and always says what it is.

use async_trait::async_trait;

use super::contract::{GenError, Generator, Output, Spec, Submitted};

pub struct Template;

pub const MODEL: &str = "template";

fn is_chinese(lang: &str) -> bool {
    lang.starts_with("zh")
}

/// Writes the draft. Pure, so the same task always gives the same text.
pub fn render(spec: &Spec) -> Output {
    let zh = is_chinese(&spec.account.language);
    let a = &spec.account;
    let mut md = String::new();
    md.push_str(&format!("# {}\n\n", spec.topic));
    let who = a.display_name.clone().unwrap_or_else(|| a.name.clone());
    if zh {
        md.push_str(&format!(
            "> 本文是内置模板生成器（template）写出的离线草稿，供 {who} 编辑与替换，并非大模型生成的成稿。\n\n"
        ));
        md.push_str(&format!(
            "## 导语\n\n围绕「{}」，本文梳理背景、要点与行动建议。",
            spec.topic
        ));
    } else {
        md.push_str(&format!(
            "> This is an offline draft written by the built-in template generator for {who}; it is a structure to edit, not model-written prose.\n\n"
        ));
        md.push_str(&format!("## Introduction\n\nThis article covers {}: the background, the key points and what to do next.", spec.topic));
    }
    if let Some(cat) = spec.category.as_ref().or(a.category.as_ref()) {
        md.push_str(&if zh {
            format!("分类：{cat}。")
        } else {
            format!(" Category: {cat}.")
        });
    }
    if let Some(tone) = spec.tone.as_ref().or(a.tone.as_ref()) {
        md.push_str(&if zh {
            format!("语气：{tone}。")
        } else {
            format!(" Tone: {tone}.")
        });
    }
    md.push_str("\n\n");

    md.push_str(if zh {
        "## 要点\n\n"
    } else {
        "## Key points\n\n"
    });
    if spec.keywords.is_empty() {
        let points: [&str; 3] = if zh {
            ["背景与现状", "核心概念", "常见误区"]
        } else {
            ["Background", "Core ideas", "Common pitfalls"]
        };
        for (i, p) in points.iter().enumerate() {
            md.push_str(&format!("{}. **{p}**\n", i + 1));
        }
    } else {
        for (i, k) in spec.keywords.iter().enumerate() {
            md.push_str(&if zh {
                format!(
                    "{}. **{k}**：说明它与「{}」的关系，并给出一个例子。\n",
                    i + 1,
                    spec.topic
                )
            } else {
                format!(
                    "{}. **{k}**: how it relates to {}, with one example.\n",
                    i + 1,
                    spec.topic
                )
            });
        }
    }
    md.push('\n');

    if let Some(req) = &spec.requirements {
        md.push_str(if zh {
            "## 写作要求\n\n"
        } else {
            "## Requirements\n\n"
        });
        md.push_str(req);
        md.push_str("\n\n");
    }
    if let Some(persona) = &a.persona {
        md.push_str(if zh {
            "## 作者视角\n\n"
        } else {
            "## Voice\n\n"
        });
        md.push_str(persona);
        md.push_str("\n\n");
    }
    match (a.min_words, a.max_words) {
        (None, None) => {}
        (lo, hi) => {
            let range = format!(
                "{}–{}",
                lo.map(|n| n.to_string()).unwrap_or_else(|| "?".into()),
                hi.map(|n| n.to_string()).unwrap_or_else(|| "?".into())
            );
            md.push_str(&if zh {
                format!("_目标篇幅：{range} 字。_\n\n")
            } else {
                format!("_Target length: {range} words._\n\n")
            });
        }
    }
    if !a.forbidden_words.is_empty() {
        md.push_str(&if zh {
            format!("_避免使用：{}。_\n\n", a.forbidden_words.join("、"))
        } else {
            format!("_Avoid: {}._\n\n", a.forbidden_words.join(", "))
        });
    }
    md.push_str(if zh {
        "## 结语\n\n"
    } else {
        "## Conclusion\n\n"
    });
    md.push_str(&if zh {
        format!(
            "以上是关于「{}」的要点框架，发布前请补充事实、数据与案例。\n",
            spec.topic
        )
    } else {
        format!(
            "That is the outline for {}; add facts, figures and examples before publishing.\n",
            spec.topic
        )
    });

    Output {
        title: spec.topic.clone(),
        summary: crate::domain::content::summarize(&md, 120),
        word_count: Some(crate::domain::content::word_count(&md)),
        body: md,
        model: Some(MODEL.into()),
        ..Output::default()
    }
}

#[async_trait]
impl Generator for Template {
    async fn submit(&self, spec: &Spec) -> Result<Submitted, GenError> {
        Ok(Submitted::Done(render(spec)))
    }

    fn model(&self) -> Option<String> {
        Some(MODEL.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(lang: &str) -> Spec {
        Spec {
            task_id: "task-000000000001".into(),
            attempt_key: "task-000000000001".into(),
            topic: "Rust 异步编程".into(),
            keywords: vec!["tokio".into()],
            priority: 5,
            account: crate::generator::contract::AccountSpec {
                name: "blog".into(),
                language: lang.into(),
                forbidden_words: vec!["震惊".into()],
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn deterministic_and_says_what_it_is() {
        let a = render(&spec("zh-CN"));
        assert_eq!(a, render(&spec("zh-CN")));
        assert!(a.body.contains("template"));
        assert!(a.body.contains("tokio") && a.body.contains("震惊"));
        assert_eq!(a.title, "Rust 异步编程");
        let en = render(&spec("en-US"));
        assert!(en.body.contains("built-in template generator"));
    }
}
