//! `contenthub account`: add, list, show, edit, remove.

use anyhow::Result;
use clap::{Args, Subcommand};

use super::ctx::Ctx;
use crate::domain::account::ReviewMode;
use crate::domain::account::{
    check_word_range, parse_word_list, text_limit, validate_language, validate_name,
    validate_platform, validate_text, validate_words, DEFAULT_LANGUAGE, DEFAULT_PLATFORM,
};
use crate::domain::{Account, AccountPatch, NewAccount};
use crate::error::{Error, ExitCode};
use crate::output::Record;
use crate::review::checks::Reason;
use crate::review::settings::{parse_override, KEYS};
use crate::store::accounts;

#[derive(Debug, Args)]
pub struct AccountCmd {
    #[command(subcommand)]
    cmd: AccountSub,
}

#[derive(Debug, Subcommand)]
enum AccountSub {
    /// Add an account
    #[command(
        after_help = "Examples:\n  contenthub account add tech-blog --display-name \"技术博客\" --platform wechat --tone 专业 --min-words 800 --max-words 1500\n  contenthub account add newsletter --platform newsletter --language en-US --review manual\n  contenthub account add news-zh --review rules --review-rule max_regenerations=2 --review-rule forbidden_words=最佳,第一"
    )]
    Add(AddArgs),
    /// List accounts
    #[command(after_help = "Example:\n  contenthub account list --format json")]
    List,
    /// Show an account
    #[command(after_help = "Example:\n  contenthub account show tech-blog")]
    Show(RefArg),
    /// Change an account (an empty text value clears it)
    #[command(
        after_help = "Examples:\n  contenthub account edit tech-blog --tone 轻松 --forbidden-words 震惊,绝对\n  contenthub account edit 3 --name tech-weekly --min-words none\n  contenthub account edit tech-blog --review-rule min_sections=3 --review-rule word_tolerance="
    )]
    Edit(EditArgs),
    /// Remove an account with its tasks and content
    #[command(
        after_help = "Examples:\n  contenthub account remove old-blog --yes\n  contenthub account remove old-blog --force --yes   # also drops unfinished tasks"
    )]
    Remove(RemoveArgs),
}

#[derive(Debug, Args)]
struct Fields {
    /// Name shown to people
    #[arg(long)]
    display_name: Option<String>,
    /// Where it publishes: wechat, blog, newsletter, …
    #[arg(long)]
    platform: Option<String>,
    /// ISO 639 language code with optional region: zh, zh-CN, en-US
    #[arg(long)]
    language: Option<String>,
    /// Default tone of voice
    #[arg(long)]
    tone: Option<String>,
    /// Default category
    #[arg(long)]
    category: Option<String>,
    /// Persona and style notes for the writer
    #[arg(long)]
    persona: Option<String>,
    /// Shortest acceptable article, in words (CJK: characters)
    #[arg(long, value_name = "N")]
    min_words: Option<String>,
    /// Longest acceptable article
    #[arg(long, value_name = "N")]
    max_words: Option<String>,
    /// Words the content must not use, comma-separated
    #[arg(long, value_name = "A,B")]
    forbidden_words: Option<String>,
    /// How content is reviewed: auto (approved as it arrives), rules (the review rules
    /// decide) or manual (held for a person) [default: rules when [review] is configured,
    /// else auto]
    #[arg(long, value_name = "MODE", overrides_with_all = ["auto_approve", "no_auto_approve"])]
    review: Option<ReviewMode>,
    /// The same as --review auto
    #[arg(long, overrides_with_all = ["no_auto_approve", "review"])]
    auto_approve: bool,
    /// The same as --review manual
    #[arg(long, overrides_with_all = ["auto_approve", "review"])]
    no_auto_approve: bool,
    /// Override a [review] key for this account, KEY=VALUE (repeatable); KEY= removes the
    /// override
    #[arg(long = "review-rule", value_name = "KEY=VALUE")]
    review_rules: Vec<String>,
}

impl Fields {
    fn review(&self) -> Option<ReviewMode> {
        match (self.review, self.auto_approve, self.no_auto_approve) {
            (Some(m), _, _) => Some(m),
            (_, true, _) => Some(ReviewMode::Auto),
            (_, _, true) => Some(ReviewMode::Manual),
            _ => None,
        }
    }

    /// The `--review-rule` arguments: a key with its value to set, or with `None` to remove.
    fn review_rules(&self) -> Result<Vec<(String, Option<String>)>, Error> {
        self.review_rules
            .iter()
            .map(|arg| match arg.split_once('=') {
                Some((k, v)) if v.trim().is_empty() => {
                    let k = k.trim();
                    let known = KEYS.contains(&k)
                        || k.strip_prefix("actions.")
                            .is_some_and(|r| r.parse::<Reason>().is_ok());
                    if known {
                        Ok((k.to_string(), None))
                    } else {
                        Err(Error::invalid(
                            "review_rule",
                            format!(
                                "unknown review rule '{k}' (known: {}, actions.CHECK)",
                                KEYS.join(", ")
                            ),
                        ))
                    }
                }
                _ => parse_override(arg)
                    .map(|(k, v)| (k, Some(v)))
                    .map_err(|e| Error::invalid("review_rule", e)),
            })
            .collect()
    }
}

#[derive(Debug, Args)]
struct AddArgs {
    /// Unique name: a letter, then letters, digits, '_' or '-' (up to 64)
    name: String,
    #[command(flatten)]
    fields: Fields,
}

#[derive(Debug, Args)]
struct RefArg {
    /// Account id or name
    account: String,
}

#[derive(Debug, Args)]
struct EditArgs {
    /// Account id or name
    account: String,
    /// Rename the account
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    fields: Fields,
}

#[derive(Debug, Args)]
struct RemoveArgs {
    /// Account id or name
    account: String,
    /// Also remove its unfinished tasks
    #[arg(long)]
    force: bool,
}

impl Record for Account {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "display_name",
        "platform",
        "language",
        "category",
        "review",
    ];
    fn key(&self) -> String {
        self.name.clone()
    }
}

fn words(field: &str, v: &Option<String>) -> Result<Option<Option<u32>>, Error> {
    match v.as_deref().map(str::trim) {
        None => Ok(None),
        Some("" | "none") => Ok(Some(None)),
        Some(s) => {
            let n: u32 = s
                .parse()
                .map_err(|_| Error::invalid(field, format!("'{s}' is not a whole number")))?;
            Ok(Some(Some(validate_words(field, n)?)))
        }
    }
}

fn text(field: &str, v: &Option<String>) -> Result<Option<Option<String>>, Error> {
    v.as_deref()
        .map(|s| validate_text(field, s, text_limit(field)))
        .transpose()
}

fn patch(f: &Fields) -> Result<AccountPatch, Error> {
    Ok(AccountPatch {
        name: None,
        display_name: text("display_name", &f.display_name)?,
        platform: f.platform.as_deref().map(validate_platform).transpose()?,
        language: f.language.as_deref().map(validate_language).transpose()?,
        tone: text("tone", &f.tone)?,
        category: text("category", &f.category)?,
        persona: text("persona", &f.persona)?,
        min_words: words("min_words", &f.min_words)?,
        max_words: words("max_words", &f.max_words)?,
        forbidden_words: f
            .forbidden_words
            .as_deref()
            .map(|s| parse_word_list("forbidden_words", s))
            .transpose()?,
        review: f.review(),
        review_rules: f.review_rules()?,
    })
}

pub fn run(ctx: &mut Ctx, cmd: AccountCmd) -> Result<ExitCode> {
    match cmd.cmd {
        AccountSub::Add(a) => {
            let name = validate_name(a.name.trim())?;
            let p = patch(&a.fields)?;
            let new = NewAccount {
                name,
                display_name: p.display_name.flatten(),
                platform: p.platform.unwrap_or_else(|| DEFAULT_PLATFORM.into()),
                language: p.language.unwrap_or_else(|| DEFAULT_LANGUAGE.into()),
                tone: p.tone.flatten(),
                category: p.category.flatten(),
                persona: p.persona.flatten(),
                min_words: p.min_words.flatten(),
                max_words: p.max_words.flatten(),
                forbidden_words: p.forbidden_words.unwrap_or_default(),
                review: p.review.unwrap_or(if ctx.settings.review.is_some() {
                    ReviewMode::Rules
                } else {
                    ReviewMode::Auto
                }),
                review_rules: p
                    .review_rules
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
                    .collect(),
            };
            check_word_range(new.min_words, new.max_words)?;
            let account = ctx.store()?.write(|tx| accounts::insert(tx, &new))?;
            ctx.note(&format!(
                "added account {} (id {})",
                account.name, account.id
            ));
            if ctx.printer.quiet {
                ctx.print(&format!("{}\n", account.id))?;
            } else {
                ctx.print(&ctx.printer.one(&account))?;
            }
        }
        AccountSub::List => {
            let list = accounts::list(ctx.store()?.conn())?;
            ctx.print(&ctx.printer.list(&list))?;
        }
        AccountSub::Show(a) => {
            let account = accounts::find(ctx.store()?.conn(), &a.account)?;
            ctx.print(&ctx.printer.one(&account))?;
        }
        AccountSub::Edit(a) => {
            let mut p = patch(&a.fields)?;
            p.name = a
                .name
                .as_deref()
                .map(|n| validate_name(n.trim()))
                .transpose()?;
            if p.is_empty() {
                return Err(Error::Usage(
                    "nothing to change: give at least one option (see `contenthub account edit --help`)".into(),
                )
                .into());
            }
            let account = ctx.store()?.write(|tx| {
                let cur = accounts::find(tx, &a.account)?;
                accounts::update(tx, cur.id, &p)
            })?;
            ctx.print(&ctx.printer.one(&account))?;
        }
        AccountSub::Remove(a) => remove(ctx, a)?,
    }
    Ok(ExitCode::Ok)
}

fn remove(ctx: &mut Ctx, a: RemoveArgs) -> Result<()> {
    ctx.ensure_confirmable("account remove deletes the account with its tasks and content")?;
    let (account, active, total) = {
        let store = ctx.store()?;
        let account = accounts::find(store.conn(), &a.account)?;
        let (active, total) = accounts::task_counts(store.conn(), account.id)?;
        (account, active, total)
    };
    if active > 0 && !a.force {
        return Err(Error::Refused(format!(
            "account {} has {active} unfinished tasks; wait for them, cancel them, or pass --force to remove them too",
            account.name
        ))
        .into());
    }
    if !ctx.confirm(&format!(
        "remove account {} with its {total} tasks ({active} unfinished) and their content?",
        account.name
    ))? {
        ctx.note("nothing removed");
        return Ok(());
    }
    ctx.store()?.write(|tx| {
        // Re-check inside the write lock: a task may have been submitted meanwhile.
        let (active_now, _) = accounts::task_counts(tx, account.id)?;
        if active_now > 0 && !a.force {
            return Err(Error::Refused(format!(
                "account {} has {active_now} unfinished tasks; pass --force to remove them too",
                account.name
            )));
        }
        accounts::delete(tx, account.id)
    })?;
    ctx.note(&format!(
        "removed account {} and {total} tasks",
        account.name
    ));
    Ok(())
}
