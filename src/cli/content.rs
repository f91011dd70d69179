//! `contenthub content`: list, show, approve, reject, export.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};

use super::ctx::Ctx;
use crate::domain::content::rewrite_images;
use crate::domain::step::StepRecord;
use crate::domain::time::{local_display, now_ms, parse_point, rfc3339, Millis};
use crate::domain::{Content, Review};
use crate::engine::review;
use crate::error::{Error, ExitCode};
use crate::output::{Format, Record};
use crate::review::checks::Reason;
use crate::store::{accounts, contents, steps};

#[derive(Debug, Args)]
pub struct ContentCmd {
    #[command(subcommand)]
    cmd: ContentSub,
}

#[derive(Debug, Subcommand)]
enum ContentSub {
    /// List generated content, newest first
    #[command(
        after_help = "Examples:\n  contenthub content list --review pending\n  contenthub content list --review pending --reason forbidden_word\n  contenthub content list --account tech-blog --since 7d --format json"
    )]
    List(ListArgs),
    /// Show a content item (by content id, or by the task id that produced it)
    #[command(
        after_help = "Examples:\n  contenthub content show 12\n  contenthub content show task-3f9a --body > article.md\n  contenthub content show 12 --steps\n  contenthub --format json content show 12 --steps | jq -r '.[] | .step'"
    )]
    Show(ShowArgs),
    /// Approve content held for review
    #[command(after_help = "Example:\n  contenthub content approve 12 13 14")]
    Approve(IdsArgs),
    /// Reject content
    #[command(after_help = "Example:\n  contenthub content reject 12 --reason \"off-topic\"")]
    Reject(RejectArgs),
    /// Run the review rules again on stored content (after the config or an account's rules
    /// changed)
    #[command(
        after_help = "Examples:\n  contenthub content recheck --all-held\n  contenthub content recheck 12 13 --format json\n\nThe rules are [review] in the config file with the account's --review-rule overrides. A\ncheck that would ask for a new draft holds the content instead. The new review is recorded\nas decided by the rules; an operator's approve or reject overrides it again."
    )]
    Recheck(RecheckArgs),
    /// Write content to files for a publisher: Markdown with front matter, or JSON
    #[command(
        after_help = "Examples:\n  contenthub content export --dir out/\n  contenthub content export --dir out/ --review all --as json\n  contenthub content export --dir out/ --with-images\n\nOne file per item, named <date>-<account>-<id>.md (or .json). Exporting again rewrites\nonly what changed, so it is safe to run from cron. With --with-images, each item's images\nare downloaded into <date>-<account>-<id>/ beside its file and the body links to them."
    )]
    Export(ExportArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ReviewFilter {
    Pending,
    Approved,
    Rejected,
    All,
}

impl ReviewFilter {
    fn states(self) -> Vec<Review> {
        match self {
            ReviewFilter::Pending => vec![Review::Pending],
            ReviewFilter::Approved => vec![Review::Approved],
            ReviewFilter::Rejected => vec![Review::Rejected],
            ReviewFilter::All => vec![],
        }
    }
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only this account (id or name)
    #[arg(short, long)]
    account: Option<String>,
    /// Only this review state
    #[arg(long, value_enum, default_value_t = ReviewFilter::All)]
    review: ReviewFilter,
    /// Only content whose review found this check failed: word_range, forbidden_word,
    /// required_keyword, structure, placeholder, language, quality_score, near_duplicate
    /// (repeatable: all of them)
    #[arg(long, value_name = "CHECK")]
    reason: Vec<String>,
    /// Created at or after: RFC 3339, a date, or an age like 24h
    #[arg(long)]
    since: Option<String>,
    /// At most this many (0 = all)
    #[arg(short = 'n', long, default_value_t = 20)]
    limit: u32,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// Content id, or the task id (or prefix) that produced it
    id: String,
    /// Print only the Markdown body (for piping)
    #[arg(long)]
    body: bool,
    /// Print the generation steps it was written in (outline, draft, polish): each step's
    /// profile, model, tokens and text
    #[arg(long, conflicts_with = "body")]
    steps: bool,
}

#[derive(Debug, Args)]
struct IdsArgs {
    /// Content ids or task ids
    #[arg(required = true)]
    ids: Vec<String>,
}

#[derive(Debug, Args)]
struct RecheckArgs {
    /// Content ids or task ids
    #[arg(required_unless_present = "all_held", conflicts_with = "all_held")]
    ids: Vec<String>,
    /// Every content item held for review
    #[arg(long)]
    all_held: bool,
}

/// What `content recheck` did to one content item.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Rechecked {
    id: i64,
    account: String,
    from: Review,
    to: Review,
    /// The checks that did not pass, with what they found.
    failed: Vec<String>,
}

impl Record for Rechecked {
    const COLUMNS: &'static [&'static str] = &["id", "account", "from", "to", "failed"];
    fn key(&self) -> String {
        self.id.to_string()
    }
}

#[derive(Debug, Args)]
struct RejectArgs {
    /// Content ids or task ids
    #[arg(required = true)]
    ids: Vec<String>,
    /// Why it was rejected (kept with the content)
    #[arg(long)]
    reason: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ExportAs {
    Markdown,
    Json,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// Directory to write into (created if needed)
    #[arg(long)]
    dir: PathBuf,
    /// Which review state to export
    #[arg(long, value_enum, default_value_t = ReviewFilter::Approved)]
    review: ReviewFilter,
    /// File format
    #[arg(long = "as", value_enum, default_value_t = ExportAs::Markdown)]
    as_: ExportAs,
    /// Only this account (id or name)
    #[arg(short, long)]
    account: Option<String>,
    /// Created at or after: RFC 3339, a date, or an age like 24h
    #[arg(long)]
    since: Option<String>,
    /// Download each item's images into a folder beside its file and link the body to them
    #[arg(long)]
    with_images: bool,
}

/// How long one image download may take.
const IMAGE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A list row: the same fields as JSON, without the bodies.
impl Record for Content {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "task_id",
        "account",
        "title",
        "word_count",
        "review_status",
        "created_at",
    ];
    fn key(&self) -> String {
        self.id.to_string()
    }
}

/// A step of `content show --steps`, as JSON, NDJSON and CSV rows (the text included).
impl Record for StepRecord {
    const COLUMNS: &'static [&'static str] = &[
        "step",
        "attempt",
        "profile",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "finished_at",
    ];
    fn key(&self) -> String {
        self.step.to_string()
    }
}

/// The steps as a person reads them: a line on each step, then what it wrote.
fn steps_text(list: &[StepRecord]) -> String {
    let tokens = |n: Option<u32>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
    let mut out = String::new();
    for (i, s) in list.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!(
            "== {} (attempt {}) · profile {} · model {} · tokens {} prompt + {} completion · {}\n\n",
            s.step,
            s.attempt,
            s.profile,
            s.model.as_deref().unwrap_or("-"),
            tokens(s.prompt_tokens),
            tokens(s.completion_tokens),
            local_time(s.finished_at.0),
        ));
        out.push_str(s.text.trim_end());
        out.push('\n');
    }
    out
}

/// A point in time in local time, as tables show it.
fn local_time(ms: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(local_display)
        .unwrap_or_else(|| rfc3339(ms))
}

pub fn run(ctx: &mut Ctx, cmd: ContentCmd) -> Result<ExitCode> {
    match cmd.cmd {
        ContentSub::List(a) => {
            let limit = (a.limit > 0).then_some(a.limit);
            let mut filter = filter(
                ctx,
                a.account.as_deref(),
                a.review,
                a.since.as_deref(),
                limit,
            )?;
            for r in &a.reason {
                let reason: Reason = r.parse().map_err(|e| Error::invalid("reason", e))?;
                filter.reasons.push(reason.as_str().to_string());
            }
            let store = ctx.store()?;
            let rows = contents::list(store.conn(), &filter)?;
            ctx.print(&ctx.printer.list(&rows))?;
            Ok(ExitCode::Ok)
        }
        ContentSub::Show(a) => {
            let c = contents::find(ctx.store()?.conn(), &a.id)?;
            warn_unresolved(&c);
            if a.steps {
                let list = steps::of_content(ctx.store()?.conn(), c.id)?;
                if list.is_empty() {
                    ctx.note(&format!(
                        "content {} was written in one request (its profile has no steps)",
                        c.id
                    ));
                }
                let text = if ctx.printer.format == Format::Table && !ctx.printer.quiet {
                    steps_text(&list)
                } else {
                    ctx.printer.list(&list)
                };
                ctx.print(&text)?;
            } else if a.body {
                let mut body = c.body;
                if !body.ends_with('\n') {
                    body.push('\n');
                }
                ctx.print(&body)?;
            } else {
                ctx.print(&ctx.printer.one(&c))?;
            }
            Ok(ExitCode::Ok)
        }
        ContentSub::Approve(a) => review(ctx, &a.ids, Review::Approved, None),
        ContentSub::Reject(a) => review(ctx, &a.ids, Review::Rejected, a.reason.as_deref()),
        ContentSub::Recheck(a) => recheck(ctx, a),
        ContentSub::Export(a) => export(ctx, a),
    }
}

fn recheck(ctx: &mut Ctx, a: RecheckArgs) -> Result<ExitCode> {
    let global = ctx.settings.review.clone();
    let store = ctx.store()?;
    let mut targets: Vec<Content> = Vec::new();
    if a.all_held {
        let held = contents::Filter {
            review: vec![Review::Pending],
            ..contents::Filter::default()
        };
        targets = contents::list(store.conn(), &held)?;
        targets.reverse();
    } else {
        for id in &a.ids {
            let c = contents::find(store.conn(), id)?;
            if !targets.iter().any(|t| t.id == c.id) {
                targets.push(c);
            }
        }
    }
    let now = now_ms();
    let done = store.write(|tx| {
        let mut out = Vec::new();
        for c in &targets {
            let Some(account) = accounts::get_by_id(tx, c.account_id)? else {
                continue;
            };
            let settings = review::settings_for(global.as_ref(), &account);
            let regenerations = c.review_record.as_ref().map_or(0, |r| r.regenerations);
            // A stored article cannot be drafted again: what would ask for a new draft holds it.
            let verdict = review::evaluate(
                tx,
                &settings,
                &review::Subject {
                    account: &account,
                    keywords: &c.keywords,
                    body: &c.body,
                    quality_score: c.quality_score,
                    stored: Some((c.id, c.created_at.0)),
                    regenerations: u32::MAX,
                },
                now,
            )?;
            let record = verdict.record(regenerations, now);
            let reason = (record.decision == Review::Pending).then(|| verdict.reasons());
            contents::set_review(tx, c.id, &record, reason.as_deref(), now)?;
            out.push(Rechecked {
                id: c.id,
                account: account.name.clone(),
                from: c.review_status,
                to: record.decision,
                failed: record
                    .failed()
                    .map(|f| format!("{}: {}", f.check, f.detail))
                    .collect(),
            });
        }
        Ok(out)
    })?;
    for r in &done {
        if r.from != r.to {
            ctx.note(&format!(
                "content {}: {} → {}",
                r.id,
                r.from.as_str(),
                r.to.as_str()
            ));
        }
    }
    ctx.print(&ctx.printer.list(&done))?;
    Ok(ExitCode::Ok)
}

/// The content filter shared by `list` and `export`.
fn filter(
    ctx: &mut Ctx,
    account: Option<&str>,
    review: ReviewFilter,
    since: Option<&str>,
    limit: Option<u32>,
) -> Result<contents::Filter> {
    let since = since
        .map(|s| parse_point(s, now_ms()).map_err(|e| Error::invalid("since", e)))
        .transpose()?;
    let store = ctx.store()?;
    let account_id = account
        .map(|r| accounts::find(store.conn(), r).map(|a| a.id))
        .transpose()?;
    Ok(contents::Filter {
        account_id,
        review: review.states(),
        reasons: Vec::new(),
        since,
        limit,
    })
}

fn review(ctx: &mut Ctx, ids: &[String], to: Review, reason: Option<&str>) -> Result<ExitCode> {
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    if reason.as_ref().is_some_and(|r| r.chars().count() > 1000) {
        return Err(Error::invalid("reason", "too long (at most 1000 characters)").into());
    }
    let store = ctx.store()?;
    let mut targets = Vec::new();
    for id in ids {
        let c = contents::find(store.conn(), id)?;
        if !targets.contains(&c.id) {
            targets.push(c.id);
        }
    }
    let now = now_ms();
    let changed = store.write(|tx| {
        targets
            .iter()
            .map(|id| Ok((*id, contents::review(tx, *id, to, reason.as_deref(), now)?)))
            .collect::<crate::error::Result<Vec<_>>>()
    })?;
    let mut out = String::new();
    for (id, from) in changed {
        out.push_str(&format!("{id}\n"));
        if from == to {
            ctx.note(&format!("content {id} was already {}", to.as_str()));
        } else {
            ctx.note(&format!(
                "content {id}: {} → {}",
                from.as_str(),
                to.as_str()
            ));
        }
    }
    if ctx.printer.quiet {
        ctx.print(&out)?;
    }
    Ok(ExitCode::Ok)
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn file_name(c: &Content, ext: &str) -> String {
    let date = rfc3339(c.created_at.0).chars().take(10).collect::<String>();
    format!("{date}-{}-{}.{ext}", slug(&c.account), c.id)
}

/// A JSON string is a valid YAML scalar, and escapes everything that needs it.
fn yaml(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

pub fn markdown(c: &Content) -> String {
    let mut s = String::from("---\n");
    s.push_str(&format!("title: {}\n", yaml(&c.title)));
    s.push_str(&format!("account: {}\n", yaml(&c.account)));
    s.push_str(&format!("topic: {}\n", yaml(&c.topic)));
    s.push_str(&format!("keywords: {}\n", yaml(&c.keywords)));
    s.push_str(&format!("summary: {}\n", yaml(&c.summary)));
    s.push_str(&format!("cover_image: {}\n", yaml(&c.cover_image)));
    s.push_str(&format!("images: {}\n", yaml(&c.images)));
    s.push_str(&format!("word_count: {}\n", c.word_count));
    s.push_str(&format!("quality_score: {}\n", yaml(&c.quality_score)));
    s.push_str(&format!("review_status: {}\n", c.review_status.as_str()));
    s.push_str(&format!("content_id: {}\n", c.id));
    s.push_str(&format!("task_id: {}\n", yaml(&c.task_id)));
    s.push_str(&format!("generator: {}\n", yaml(&c.generator)));
    s.push_str(&format!("model: {}\n", yaml(&c.model)));
    s.push_str(&format!("created: {}\n", rfc3339(c.created_at.0)));
    s.push_str("---\n\n");
    s.push_str(c.body.trim_end());
    s.push('\n');
    s
}

/// Writes `data` to `path` atomically, unless the file already holds exactly that.
fn write_if_changed(path: &Path, data: &[u8]) -> Result<bool> {
    if std::fs::read(path).ok().as_deref() == Some(data) {
        return Ok(false);
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, data).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(true)
}

/// Warns once about an article's images that have no address a reader can open.
fn warn_unresolved(c: &Content) {
    let names: Vec<&str> = c
        .images
        .iter()
        .filter(|i| i.unresolved)
        .map(|i| i.name())
        .collect();
    if names.is_empty() {
        return;
    }
    eprintln!(
        "warning: content {}: {} unresolved image{} (only a path on the generator's disk; set image_base_url on generator profile '{}'): {}",
        c.id,
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        c.generator,
        names.join(", ")
    );
}

/// Downloads images for `content export --with-images`.
struct Downloader {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Downloader {
    fn new() -> Result<Downloader> {
        Ok(Downloader {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?,
            client: reqwest::Client::builder()
                .timeout(IMAGE_TIMEOUT)
                .user_agent(concat!("contenthub/", env!("CARGO_PKG_VERSION")))
                .build()
                .context("cannot set up the HTTP client")?,
        })
    }

    fn get(&self, url: &str) -> std::result::Result<Vec<u8>, String> {
        self.runtime.block_on(async {
            let reply = self.client.get(url).send().await.map_err(|e| {
                let e: &dyn std::error::Error = &e;
                let mut text = e.to_string();
                let mut source = e.source();
                while let Some(s) = source {
                    text.push_str(&format!(": {s}"));
                    source = s.source();
                }
                text
            })?;
            let status = reply.status();
            if !status.is_success() {
                return Err(format!("HTTP {status}"));
            }
            reply
                .bytes()
                .await
                .map(|b| b.to_vec())
                .map_err(|e| e.to_string())
        })
    }
}

/// The file extension for a downloaded image: the URL's, else its format, else `img`.
fn image_ext(url: &str, format: Option<&str>) -> String {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let last = path.rsplit('/').next().unwrap_or("");
    let from_url = last
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| !e.is_empty() && e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric()));
    from_url
        .or(format.filter(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_alphanumeric())))
        .unwrap_or("img")
        .to_ascii_lowercase()
}

/// Downloads the images of `c` that have a URL into `dir/<stem>/` and points the body's links
/// at the local files. Returns the number of images now local; failures are reported and
/// leave their links as they were.
fn localize_images(c: &mut Content, dir: &Path, stem: &str, dl: &Downloader) -> Result<usize> {
    let mut local: Vec<(String, String)> = Vec::new();
    for (n, img) in c.images.iter().enumerate() {
        let Some(url) = img.url.as_deref() else {
            continue;
        };
        let name = format!("{}.{}", n + 1, image_ext(url, img.format.as_deref()));
        let folder = dir.join(stem);
        let path = folder.join(&name);
        let have = std::fs::metadata(&path).is_ok_and(|m| m.len() > 0);
        if !have {
            match dl.get(url) {
                Ok(bytes) if !bytes.is_empty() => {
                    std::fs::create_dir_all(&folder)
                        .with_context(|| format!("cannot create {}", folder.display()))?;
                    write_if_changed(&path, &bytes)?;
                }
                Ok(_) => {
                    eprintln!("warning: content {}: image {url} could not be downloaded: the reply was empty", c.id);
                    continue;
                }
                Err(e) => {
                    eprintln!(
                        "warning: content {}: image {url} could not be downloaded: {e}",
                        c.id
                    );
                    continue;
                }
            }
        }
        local.push((url.to_string(), format!("{stem}/{name}")));
    }
    if !local.is_empty() {
        c.body = rewrite_images(&c.body, |alt, target| {
            local
                .iter()
                .find(|(url, _)| url == target)
                .map(|(_, file)| format!("![{alt}]({file})"))
        });
    }
    Ok(local.len())
}

fn export(ctx: &mut Ctx, a: ExportArgs) -> Result<ExitCode> {
    let filter = filter(
        ctx,
        a.account.as_deref(),
        a.review,
        a.since.as_deref(),
        None,
    )?;
    let rows = contents::list(ctx.store()?.conn(), &filter)?;
    std::fs::create_dir_all(&a.dir)
        .with_context(|| format!("cannot create {}", a.dir.display()))?;
    let (mut written, mut same, mut images) = (0, 0, 0);
    let downloader = a.with_images.then(Downloader::new).transpose()?;
    let mut paths = String::new();
    let total = rows.len();
    for mut c in rows.into_iter().rev() {
        warn_unresolved(&c);
        if let Some(dl) = &downloader {
            let stem = file_name(&c, "");
            let stem = stem.trim_end_matches('.').to_string();
            images += localize_images(&mut c, &a.dir, &stem, dl)?;
        }
        let c = &c;
        let (name, data) = match a.as_ {
            ExportAs::Markdown => (file_name(c, "md"), markdown(c)),
            ExportAs::Json => (
                file_name(c, "json"),
                serde_json::to_string_pretty(c)? + "\n",
            ),
        };
        let path = a.dir.join(name);
        if write_if_changed(&path, data.as_bytes())? {
            written += 1;
        } else {
            same += 1;
        }
        paths.push_str(&format!("{}\n", path.display()));
    }
    ctx.print(&paths)?;
    let with_images = if a.with_images {
        format!(", {images} images local")
    } else {
        String::new()
    };
    ctx.note(&format!(
        "exported {total} items to {} ({written} written, {same} unchanged{with_images})",
        a.dir.display()
    ));
    Ok(ExitCode::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_file_names() {
        assert_eq!(slug("Tech Blog/中文"), "tech-blog");
        assert_eq!(slug("a__b"), "a__b");
    }

    #[test]
    fn image_extensions() {
        assert_eq!(image_ext("http://h/img/a.PNG?x=1", None), "png");
        assert_eq!(image_ext("http://h/img/a", Some("webp")), "webp");
        assert_eq!(image_ext("http://h/img.d/a", None), "img");
    }
}
