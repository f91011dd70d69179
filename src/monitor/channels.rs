//! Notification channels (`[[notify.channels]]`): the body each service expects for an alert
//! event, how each signs a request, and how each says it accepted one.
//!
//! - `webhook`: the generic JSON event, signed with `X-ContentHub-Signature` like task
//!   callbacks when a secret is set.
//! - `dingtalk`: a custom robot's `markdown` message; with a secret, `timestamp` (ms) and
//!   `sign` = Base64(HMAC-SHA256(secret, "{timestamp}\n{secret}")) in the query string.
//!   Replies `{"errcode":0}` on success, and a non-zero `errcode` with HTTP 200 on failure.
//! - `feishu` (Lark): a custom bot's `text` message; with a secret, `timestamp` (s) and
//!   `sign` = Base64(HMAC-SHA256 keyed by "{timestamp}\n{secret}" over nothing) in the body.
//!   Replies `{"code":0}` on success.
//! - `wecom`: a group robot's `markdown` message (the key is in the URL). Replies
//!   `{"errcode":0}`.
//! - `slack`: an incoming webhook's `text` (mrkdwn). Replies `ok`, or a 4xx with a reason.
//! - `command`: runs a program with the generic JSON event on stdin; exit 0 is success.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::domain::setting::is_env_name;
use crate::domain::time::{rfc3339, Millis};
use crate::signature::hmac_sha256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Webhook,
    Dingtalk,
    Feishu,
    Wecom,
    Slack,
    Command,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "webhook",
            ChannelKind::Dingtalk => "dingtalk",
            ChannelKind::Feishu => "feishu",
            ChannelKind::Wecom => "wecom",
            ChannelKind::Slack => "slack",
            ChannelKind::Command => "command",
        }
    }
}

/// A configured channel. Holds the *names* of env vars, never a secret; a URL that embeds a
/// key (WeCom, Slack, DingTalk's access token) belongs in `url_env`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    pub name: String,
    pub kind: ChannelKind,
    pub url: Option<String>,
    /// The env var holding the URL.
    pub url_env: Option<String>,
    /// The env var holding the signing secret (webhook, DingTalk, Feishu).
    pub secret_env: Option<String>,
    /// The program and its arguments (kind = "command").
    pub command: Option<Vec<String>>,
}

impl Channel {
    /// Checks what the kind needs; returns the offending key and why.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let name_ok = !self.name.is_empty()
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !name_ok {
            return Err(("name", "uses letters, digits, '_' and '-'".into()));
        }
        for (key, v) in [("url_env", &self.url_env), ("secret_env", &self.secret_env)] {
            if v.as_deref().is_some_and(|n| !is_env_name(n)) {
                return Err((key, "must name an environment variable".into()));
            }
        }
        match self.kind {
            ChannelKind::Command => {
                if !self
                    .command
                    .as_ref()
                    .is_some_and(|c| !c.is_empty() && !c[0].trim().is_empty())
                {
                    return Err(("command", "is required for kind = \"command\"".into()));
                }
                if self.url.is_some() || self.url_env.is_some() {
                    return Err(("url", "does not apply to kind = \"command\"".into()));
                }
            }
            kind => {
                match (&self.url, &self.url_env) {
                    (Some(_), Some(_)) => {
                        return Err(("url_env", "give either url or url_env, not both".into()))
                    }
                    (None, None) => {
                        return Err((
                            "url",
                            format!(
                                "url or url_env is required for kind = \"{}\"",
                                kind.as_str()
                            ),
                        ))
                    }
                    (Some(u), None) => {
                        crate::domain::task::validate_http_url("url", u)
                            .map_err(|e| ("url", e.to_string()))?;
                    }
                    (None, Some(_)) => {}
                }
                if self.command.is_some() {
                    return Err(("command", "applies to kind = \"command\" only".into()));
                }
                if self.secret_env.is_some()
                    && matches!(kind, ChannelKind::Wecom | ChannelKind::Slack)
                {
                    return Err((
                        "secret_env",
                        format!(
                            "{} signs nothing; its key is part of the URL (url_env)",
                            kind.as_str()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// What `deliveries list` shows as the URL of this channel's deliveries.
    pub fn target(&self) -> String {
        format!("{CHANNEL_PREFIX}{}", self.name)
    }
}

/// Deliveries to a channel store `channel:NAME` as their URL; the real URL is looked up
/// when sending, so a key embedded in it never reaches the store.
pub const CHANNEL_PREFIX: &str = "channel:";

/// An alert changing state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertEvent {
    /// `alert.firing` or `alert.resolved`
    pub event: String,
    pub rule: String,
    pub metric: String,
    pub op: String,
    /// The threshold as configured (`20%`, `50`, `30m`).
    pub threshold: String,
    /// The value that fired or resolved it, in the same form; `null` without data.
    pub value: Option<String>,
    pub window: String,
    pub severity: String,
    /// One line for people: `failure rate 35% > 20% over 1h`.
    pub summary: String,
    /// When the alert entered the state it reports.
    pub since: Millis,
    /// When this notification was made (later than `since` for a reminder).
    pub at: Millis,
    pub host: String,
}

impl AlertEvent {
    pub fn firing(&self) -> bool {
        self.event == "alert.firing"
    }

    fn headline(&self) -> String {
        let state = if self.firing() { "FIRING" } else { "RESOLVED" };
        format!(
            "[{state}] contenthub {} ({})",
            self.rule,
            self.severity.to_uppercase()
        )
    }

    fn lines(&self) -> Vec<String> {
        vec![
            self.summary.clone(),
            format!(
                "rule: {} {} {} (window {})",
                self.metric, self.op, self.threshold, self.window
            ),
            format!("since: {}", rfc3339(self.since)),
            format!("host: {}", self.host),
        ]
    }

    /// The generic event: what `webhook` and `command` channels receive.
    pub fn json(&self) -> Value {
        json!({
            "event": self.event,
            "occurred_at": rfc3339(self.at),
            "alert": {
                "name": self.rule,
                "state": if self.firing() { "firing" } else { "resolved" },
                "severity": self.severity,
                "metric": self.metric,
                "op": self.op,
                "threshold": self.threshold,
                "value": self.value,
                "window": self.window,
                "summary": self.summary,
                "since": rfc3339(self.since),
            },
            "host": self.host,
        })
    }
}

/// The body stored for a delivery of `ev` to a channel of `kind`.
pub fn body(kind: ChannelKind, ev: &AlertEvent) -> String {
    let title = ev.headline();
    let lines = ev.lines();
    let v = match kind {
        ChannelKind::Webhook | ChannelKind::Command => ev.json(),
        ChannelKind::Dingtalk => json!({
            "msgtype": "markdown",
            "markdown": {
                "title": title,
                "text": format!("### {title}\n\n{}", lines.iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n")),
            },
        }),
        ChannelKind::Feishu => json!({
            "msg_type": "text",
            "content": { "text": format!("{title}\n{}", lines.join("\n")) },
        }),
        ChannelKind::Wecom => {
            let color = if ev.firing() { "warning" } else { "info" };
            json!({
                "msgtype": "markdown",
                "markdown": {
                    "content": format!(
                        "**<font color=\"{color}\">{title}</font>**\n{}",
                        lines.iter().map(|l| format!("> {l}")).collect::<Vec<_>>().join("\n")
                    ),
                },
            })
        }
        ChannelKind::Slack => {
            let icon = if ev.firing() {
                ":rotating_light:"
            } else {
                ":white_check_mark:"
            };
            // Slack reads `&`, `<` and `>` as markup: they are sent as entities.
            let esc = |t: &str| {
                t.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            };
            let text: Vec<String> = lines.iter().map(|l| esc(l)).collect();
            json!({ "text": format!("{icon} *{}*\n{}", esc(&title), text.join("\n")) })
        }
    };
    v.to_string()
}

/// A request ready to go out.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub url: String,
    pub body: String,
}

/// Applies the service's signing scheme, if it has one and a secret is set. `now` is the
/// send time in milliseconds.
pub fn prepare(
    kind: ChannelKind,
    url: &str,
    secret: Option<&[u8]>,
    body: &str,
    now: Millis,
) -> Result<Prepared, String> {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    match (kind, secret) {
        (ChannelKind::Dingtalk, Some(secret)) => {
            let mut to_sign = format!("{now}\n").into_bytes();
            to_sign.extend_from_slice(secret);
            let sign = b64(&hmac_sha256(secret, &to_sign));
            let mut u = reqwest::Url::parse(url).map_err(|e| format!("invalid URL: {e}"))?;
            u.query_pairs_mut()
                .append_pair("timestamp", &now.to_string())
                .append_pair("sign", &sign);
            Ok(Prepared {
                url: u.to_string(),
                body: body.to_string(),
            })
        }
        (ChannelKind::Feishu, Some(secret)) => {
            let ts = now.div_euclid(1000);
            let mut key = format!("{ts}\n").into_bytes();
            key.extend_from_slice(secret);
            let sign = b64(&hmac_sha256(&key, b""));
            let mut v: Value =
                serde_json::from_str(body).map_err(|e| format!("stored body is not JSON: {e}"))?;
            if let Some(o) = v.as_object_mut() {
                o.insert("timestamp".into(), Value::String(ts.to_string()));
                o.insert("sign".into(), Value::String(sign));
            }
            Ok(Prepared {
                url: url.to_string(),
                body: v.to_string(),
            })
        }
        _ => Ok(Prepared {
            url: url.to_string(),
            body: body.to_string(),
        }),
    }
}

/// Whether a 2xx reply means the service took the message: DingTalk and WeCom answer
/// failures with HTTP 200 and a non-zero `errcode`, Feishu with a non-zero `code`.
pub fn accepted(kind: ChannelKind, reply: &str) -> Result<(), String> {
    let field = match kind {
        ChannelKind::Dingtalk | ChannelKind::Wecom => "errcode",
        ChannelKind::Feishu => "code",
        _ => return Ok(()),
    };
    let v: Value = serde_json::from_str(reply)
        .map_err(|_| format!("the reply is not the JSON {} answers with", kind.as_str()))?;
    let code = v
        .get(field)
        .or_else(|| v.get("StatusCode"))
        .and_then(Value::as_i64);
    match code {
        Some(0) => Ok(()),
        Some(c) => {
            let msg = ["errmsg", "msg", "StatusMessage"]
                .iter()
                .find_map(|k| v.get(*k).and_then(Value::as_str))
                .unwrap_or("");
            Err(format!(
                "{} refused the message: {field} {c} {msg}",
                kind.as_str()
            ))
        }
        None => Err(format!("the reply has no {field}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(firing: bool) -> AlertEvent {
        AlertEvent {
            event: if firing {
                "alert.firing"
            } else {
                "alert.resolved"
            }
            .into(),
            rule: "failure_rate".into(),
            metric: "failure_rate".into(),
            op: ">".into(),
            threshold: "20%".into(),
            value: Some("35%".into()),
            window: "1h".into(),
            severity: "critical".into(),
            summary: "failure_rate 35% > 20% over 1h".into(),
            since: 1_764_400_000_000,
            at: 1_764_400_000_000,
            host: "gen-1".into(),
        }
    }

    #[test]
    fn each_kind_gets_its_format() {
        let ev = event(true);
        let v: Value = serde_json::from_str(&body(ChannelKind::Dingtalk, &ev)).unwrap();
        assert_eq!(v["msgtype"], "markdown");
        assert!(v["markdown"]["title"].as_str().unwrap().contains("FIRING"));
        let v: Value = serde_json::from_str(&body(ChannelKind::Feishu, &ev)).unwrap();
        assert_eq!(v["msg_type"], "text");
        assert!(v["content"]["text"].as_str().unwrap().contains("35%"));
        let v: Value = serde_json::from_str(&body(ChannelKind::Wecom, &ev)).unwrap();
        assert_eq!(v["msgtype"], "markdown");
        assert!(v["markdown"]["content"]
            .as_str()
            .unwrap()
            .contains("warning"));
        let v: Value = serde_json::from_str(&body(ChannelKind::Slack, &ev)).unwrap();
        let text = v["text"].as_str().unwrap();
        assert!(text.contains("*[FIRING]"), "{text}");
        assert!(
            text.contains("failure_rate &gt; 20%") && !text.contains('>'),
            "{text}"
        );
        let v: Value = serde_json::from_str(&body(ChannelKind::Webhook, &event(false))).unwrap();
        assert_eq!(v["event"], "alert.resolved");
        assert_eq!(v["alert"]["state"], "resolved");
    }

    #[test]
    fn dingtalk_signs_in_the_query() {
        let p = prepare(
            ChannelKind::Dingtalk,
            "https://oapi.dingtalk.com/robot/send?access_token=abc",
            Some(b"SECxyz"),
            "{}",
            1_700_000_000_123,
        )
        .unwrap();
        let u = reqwest::Url::parse(&p.url).unwrap();
        let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
        assert_eq!(q["access_token"], "abc");
        assert_eq!(q["timestamp"], "1700000000123");
        let expected = base64::engine::general_purpose::STANDARD
            .encode(hmac_sha256(b"SECxyz", b"1700000000123\nSECxyz"));
        assert_eq!(q["sign"], expected);
    }

    #[test]
    fn feishu_signs_in_the_body() {
        let p = prepare(
            ChannelKind::Feishu,
            "https://open.feishu.cn/open-apis/bot/v2/hook/x",
            Some(b"s3"),
            r#"{"msg_type":"text","content":{"text":"hi"}}"#,
            1_700_000_000_999,
        )
        .unwrap();
        let v: Value = serde_json::from_str(&p.body).unwrap();
        assert_eq!(v["timestamp"], "1700000000");
        let expected =
            base64::engine::general_purpose::STANDARD.encode(hmac_sha256(b"1700000000\ns3", b""));
        assert_eq!(v["sign"], expected);
        assert_eq!(v["content"]["text"], "hi");
    }

    #[test]
    fn replies_with_error_codes_are_refusals() {
        assert!(accepted(ChannelKind::Dingtalk, r#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        let e = accepted(
            ChannelKind::Dingtalk,
            r#"{"errcode":310000,"errmsg":"sign not match"}"#,
        )
        .unwrap_err();
        assert!(e.contains("310000") && e.contains("sign not match"), "{e}");
        assert!(accepted(ChannelKind::Feishu, r#"{"code":0,"msg":"success"}"#).is_ok());
        assert!(accepted(
            ChannelKind::Feishu,
            r#"{"code":19021,"msg":"sign match fail"}"#
        )
        .is_err());
        assert!(accepted(ChannelKind::Wecom, "not json").is_err());
        assert!(accepted(ChannelKind::Slack, "ok").is_ok());
    }

    #[test]
    fn channels_check_what_their_kind_needs() {
        let base = Channel {
            name: "ops".into(),
            kind: ChannelKind::Slack,
            url: None,
            url_env: Some("SLACK_WEBHOOK_URL".into()),
            secret_env: None,
            command: None,
        };
        assert!(base.check().is_ok());
        let mut c = base.clone();
        c.url_env = None;
        assert_eq!(c.check().unwrap_err().0, "url");
        let mut c = base.clone();
        c.secret_env = Some("X".into());
        assert_eq!(c.check().unwrap_err().0, "secret_env");
        let mut c = base.clone();
        c.kind = ChannelKind::Command;
        c.url_env = None;
        assert_eq!(c.check().unwrap_err().0, "command");
        c.command = Some(vec!["notify-send".into()]);
        assert!(c.check().is_ok());
        let mut c = base;
        c.name = "bad name".into();
        assert_eq!(c.check().unwrap_err().0, "name");
    }
}
