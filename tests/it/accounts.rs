//! `account add/list/show/edit/remove`.

use contenthub::domain::account::ReviewMode;
use contenthub::domain::Account;

use crate::support::{Env, Fixture};

#[test]
pub(crate) fn add_list_show_and_edit() {
    let env = Env::new();
    let added: Account = env.json(&[
        "account",
        "add",
        "tech-blog",
        "--display-name",
        "技术博客",
        "--platform",
        "Blog",
        "--language",
        "zh-cn",
        "--tone",
        "专业",
        "--category",
        "tech",
        "--persona",
        "A senior engineer",
        "--min-words",
        "800",
        "--max-words",
        "1500",
        "--forbidden-words",
        "震惊,绝对，震惊",
        "--no-auto-approve",
    ]);
    assert_eq!(added.id, 1);
    assert_eq!(added.name, "tech-blog");
    assert_eq!(added.display_name.as_deref(), Some("技术博客"));
    assert_eq!(added.platform, "blog", "platforms are lowercased");
    assert_eq!(added.language, "zh-CN", "languages are canonicalised");
    assert_eq!((added.min_words, added.max_words), (Some(800), Some(1500)));
    assert_eq!(added.forbidden_words, ["震惊", "绝对"]);
    assert_eq!(added.review, ReviewMode::Manual);
    assert_eq!(added.created_at, added.updated_at);

    let run = env.run(["account", "add", "newsletter", "-q"]).success();
    assert_eq!(run.stdout, "2\n", "-q prints the new id");
    let defaults: Account = env.json(&["account", "show", "newsletter"]);
    assert_eq!(
        (defaults.platform.as_str(), defaults.language.as_str()),
        ("wechat", "zh-CN")
    );
    assert!(defaults.review == ReviewMode::Auto && defaults.forbidden_words.is_empty());

    let list: Vec<Account> = env.json(&["account", "list"]);
    assert_eq!(
        list.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["tech-blog", "newsletter"]
    );
    assert_eq!(list[0], added);
    let by_id: Account = env.json(&["account", "show", "1"]);
    assert_eq!(by_id, added);
    let by_case: Account = env.json(&["account", "show", "TECH-BLOG"]);
    assert_eq!(by_case.id, 1);

    let edited: Account = env.json(&[
        "account",
        "edit",
        "tech-blog",
        "--name",
        "tech-weekly",
        "--tone",
        "",
        "--min-words",
        "none",
        "--max-words",
        "600",
        "--auto-approve",
        "--forbidden-words",
        "",
    ]);
    assert_eq!(edited.id, 1);
    assert_eq!(edited.name, "tech-weekly");
    assert_eq!(edited.tone, None, "an empty value clears a field");
    assert_eq!((edited.min_words, edited.max_words), (None, Some(600)));
    assert_eq!(edited.review, ReviewMode::Auto);
    assert!(edited.forbidden_words.is_empty());
    assert_eq!(
        edited.persona.as_deref(),
        Some("A senior engineer"),
        "untouched fields stay"
    );
    assert!(edited.updated_at >= added.updated_at);
    env.run(["account", "show", "tech-blog"]).code(3);

    let table = env.ok(["account", "list"]);
    assert!(
        table.contains("tech-weekly") && table.contains("newsletter"),
        "{table}"
    );
}

#[test]
pub(crate) fn remove_is_refused_while_tasks_are_unfinished() {
    let f = Fixture::new();
    let env = &f.env;
    let before = env.dump();
    env.run(["account", "remove", "blog", "--yes"])
        .code(4)
        .stderr_has("3 unfinished tasks");
    assert_eq!(env.dump(), before);

    env.run(["account", "remove", "blog", "--force", "--yes"])
        .success()
        .stderr_has("removed account blog and 7 tasks");
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 0);
    assert_eq!(env.count("SELECT count(*) FROM task_events"), 0);
    let left: Vec<Account> = env.json(&["account", "list"]);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].name, "news");
    env.run(["account", "show", "blog"]).code(3);

    // Only finished tasks: no --force needed, and they go with the account.
    let id = env.submit("news", "Done already", &[]);
    env.set_status(&id, "completed");
    env.run(["account", "remove", "2", "-y"]).success();
    assert_eq!(env.count("SELECT count(*) FROM accounts"), 0);
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 0);
    // The stats that triggers keep stay right after a cascading delete.
    assert_eq!(env.count("SELECT sum(n) FROM task_counts"), 0);
}

#[test]
pub(crate) fn a_name_freed_by_remove_can_be_used_again() {
    let env = Env::new();
    env.account("blog");
    env.ok(["account", "remove", "blog", "--yes"]);
    env.account("blog");
    let list: Vec<Account> = env.json(&["account", "list"]);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, 2, "ids are not reused");
}
