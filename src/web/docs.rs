//! `/api/v1/docs`: a readable reference of every endpoint, rendered here from the OpenAPI
//! document the API serves (`src/api/openapi.json`), with request and response examples. An
//! example the document gives is shown as it is; where it gives none, one is built from the
//! schema (each property's `example`, `default` or first `enum` value, else a value of its
//! type), so no operation goes without.

use std::fmt::Write as _;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use super::html::html_response;
use super::html::{self, esc};
use crate::api::ops::OPENAPI;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// `GET /api/v1/docs`.
pub async fn page() -> Response {
    html_response(StatusCode::OK, render(OPENAPI))
}

/// Follows a local `$ref` (`#/components/schemas/Task`).
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    let mut v = v;
    for _ in 0..8 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else {
            return v;
        };
        let Some(path) = r.strip_prefix("#/") else {
            return v;
        };
        let mut at = doc;
        for part in path.split('/') {
            at = match at.get(part) {
                Some(x) => x,
                None => return v,
            };
        }
        v = at;
    }
    v
}

/// A schema's type as people read it: `string`, `integer`, `array of Task`, `Task`.
fn type_name(s: &Value) -> String {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    if let Some(any) = s
        .get("oneOf")
        .or_else(|| s.get("anyOf"))
        .and_then(Value::as_array)
    {
        return any.iter().map(type_name).collect::<Vec<_>>().join(" or ");
    }
    let t = match s.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "any".to_string(),
    };
    if t == "array" {
        if let Some(items) = s.get("items") {
            return format!("array of {}", type_name(items));
        }
    }
    t
}

/// An example value for a schema: its own `example`, else built from its parts.
pub fn example(doc: &Value, s: &Value, depth: u32) -> Value {
    let s = resolve(doc, s);
    if let Some(e) = s.get("example") {
        return e.clone();
    }
    if let Some(e) = s
        .get("examples")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return e.clone();
    }
    if let Some(d) = s.get("default") {
        return d.clone();
    }
    if let Some(e) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return e.clone();
    }
    if let Some(first) = s
        .get("oneOf")
        .or_else(|| s.get("anyOf"))
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return example(doc, first, depth);
    }
    if depth > 6 {
        return Value::Null;
    }
    let ty = match s.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if s.get("properties").is_some() => "object",
        _ => "null",
    };
    match ty {
        "object" => {
            let mut m = Map::new();
            if let Some(props) = s.get("properties").and_then(Value::as_object) {
                for (k, p) in props {
                    m.insert(k.clone(), example(doc, p, depth + 1));
                }
            }
            Value::Object(m)
        }
        "array" => Value::Array(
            s.get("items")
                .map(|i| vec![example(doc, i, depth + 1)])
                .unwrap_or_default(),
        ),
        "string" => Value::String(match s.get("format").and_then(Value::as_str) {
            Some("date-time") => "2026-12-05T09:30:00Z".into(),
            Some("uri") => "https://example.com/hook".into(),
            _ => "text".into(),
        }),
        "integer" => Value::from(s.get("minimum").and_then(Value::as_i64).unwrap_or(1)),
        "number" => Value::from(0.5),
        "boolean" => Value::Bool(true),
        _ => Value::Null,
    }
}

/// The examples of one media type: named ones from `examples`, else `example`, else one
/// built from the schema.
fn media_examples(doc: &Value, media: &Value) -> Vec<(String, Value)> {
    if let Some(ex) = media.get("examples").and_then(Value::as_object) {
        let named: Vec<(String, Value)> = ex
            .iter()
            .map(|(name, e)| {
                let e = resolve(doc, e);
                let title = e
                    .get("summary")
                    .and_then(Value::as_str)
                    .unwrap_or(name)
                    .to_string();
                (title, e.get("value").cloned().unwrap_or(Value::Null))
            })
            .collect();
        if !named.is_empty() {
            return named;
        }
    }
    if let Some(e) = media.get("example") {
        return vec![("Example".into(), e.clone())];
    }
    match media.get("schema") {
        Some(s) => vec![("Example".into(), example(doc, s, 0))],
        None => Vec::new(),
    }
}

fn show_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        v => serde_json::to_string_pretty(v).unwrap_or_default(),
    }
}

/// A schema's fields as a table (objects), or its type.
fn fields(doc: &Value, s: &Value) -> String {
    let r = resolve(doc, s);
    let Some(props) = r.get("properties").and_then(Value::as_object) else {
        return format!("<p>Type: <code>{}</code></p>", esc(&type_name(s)));
    };
    let required: Vec<&str> = r
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let rows: Vec<Vec<String>> = props
        .iter()
        .map(|(k, p)| {
            let pr = resolve(doc, p);
            let mut desc = pr
                .get("description")
                .and_then(Value::as_str)
                .map(esc)
                .unwrap_or_default();
            if let Some(e) = pr.get("enum").and_then(Value::as_array) {
                let vals: Vec<String> = e.iter().map(|v| esc(&show_value(v))).collect();
                let _ = write!(
                    desc,
                    " One of: <code>{}</code>.",
                    vals.join("</code>, <code>")
                );
            }
            vec![
                format!("<code>{}</code>", esc(k)),
                format!("<code>{}</code>", esc(&type_name(p))),
                if required.contains(&k.as_str()) {
                    "yes".into()
                } else {
                    "no".into()
                },
                desc,
            ]
        })
        .collect();
    let name = s
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .map(|n| format!("<p><code>{}</code></p>", esc(n)))
        .unwrap_or_default();
    format!(
        "{name}{}",
        html::table(&["field", "type", "required", "description"], &rows)
    )
}

fn examples_html(doc: &Value, content: &Map<String, Value>, label: &str) -> String {
    let mut out = String::new();
    for (mt, media) in content {
        for (title, v) in media_examples(doc, media) {
            let _ = write!(
                out,
                "<p class=\"muted\">{} ({}): {}</p><pre class=\"example\">{}</pre>",
                esc(label),
                esc(mt),
                esc(&title),
                esc(&show_value(&v))
            );
        }
    }
    out
}

/// The reference as a page.
pub fn render(spec: &str) -> String {
    let doc: Value = match serde_json::from_str(spec) {
        Ok(d) => d,
        Err(e) => {
            return html::page(
                "API reference",
                false,
                None,
                &html::none(&format!("The OpenAPI document does not parse: {e}")),
            )
        }
    };
    let info = &doc["info"];
    let mut body = String::from("<main>");
    let mut toc = String::from("<ul>");
    let mut ops = String::new();
    let global_security = doc
        .get("security")
        .is_some_and(|s| s.as_array().is_some_and(|a| !a.is_empty()));
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                let Some(op) = item.get(method) else {
                    continue;
                };
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{method}-{path}"));
                let verb = method.to_ascii_uppercase();
                let summary = op.get("summary").and_then(Value::as_str).unwrap_or("");
                let _ = write!(
                    toc,
                    "<li><a href=\"#{}\"><code>{} {}</code></a> {}</li>",
                    esc(&id),
                    esc(&verb),
                    esc(path),
                    esc(summary)
                );
                let mut s = format!(
                    "<section class=\"wide op\" id=\"{}\"><h2><code>{} {}</code></h2><p>{}</p>",
                    esc(&id),
                    esc(&verb),
                    esc(path),
                    esc(summary)
                );
                if let Some(d) = op.get("description").and_then(Value::as_str) {
                    let _ = write!(s, "<p>{}</p>", esc(d));
                }
                let open = op
                    .get("security")
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.is_empty());
                s.push_str(if global_security && !open {
                    "<p class=\"muted\">Needs <code>Authorization: Bearer &lt;token&gt;</code> when a token is configured.</p>"
                } else {
                    "<p class=\"muted\">Needs no token.</p>"
                });
                let params: Vec<&Value> = item
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .chain(
                        op.get("parameters")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten(),
                    )
                    .collect();
                if !params.is_empty() {
                    let rows: Vec<Vec<String>> = params
                        .iter()
                        .map(|p| {
                            let p = resolve(&doc, p);
                            let schema = p.get("schema").cloned().unwrap_or(Value::Null);
                            vec![
                                format!(
                                    "<code>{}</code>",
                                    esc(p.get("name").and_then(Value::as_str).unwrap_or(""))
                                ),
                                esc(p.get("in").and_then(Value::as_str).unwrap_or("")),
                                format!("<code>{}</code>", esc(&type_name(&schema))),
                                if p.get("required").and_then(Value::as_bool) == Some(true) {
                                    "yes".into()
                                } else {
                                    "no".into()
                                },
                                format!(
                                    "{} <span class=\"muted\">e.g. <code>{}</code></span>",
                                    esc(p.get("description").and_then(Value::as_str).unwrap_or("")),
                                    esc(&show_value(
                                        &p.get("example")
                                            .cloned()
                                            .unwrap_or_else(|| example(&doc, &schema, 0))
                                    ))
                                ),
                            ]
                        })
                        .collect();
                    s.push_str("<h3>Parameters</h3>");
                    s.push_str(&html::table(
                        &["name", "in", "type", "required", "description"],
                        &rows,
                    ));
                }
                if let Some(rb) = op.get("requestBody").map(|r| resolve(&doc, r)) {
                    s.push_str("<h3>Request body</h3>");
                    if let Some(d) = rb.get("description").and_then(Value::as_str) {
                        let _ = write!(s, "<p>{}</p>", esc(d));
                    }
                    if let Some(content) = rb.get("content").and_then(Value::as_object) {
                        for media in content.values() {
                            if let Some(schema) = media.get("schema") {
                                s.push_str(&fields(&doc, schema));
                            }
                        }
                        s.push_str(&examples_html(&doc, content, "Request"));
                    }
                }
                if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                    s.push_str("<h3>Responses</h3>");
                    for (code, resp) in responses {
                        let resp = resolve(&doc, resp);
                        let _ = write!(
                            s,
                            "<h4><code>{}</code> {}</h4>",
                            esc(code),
                            esc(resp
                                .get("description")
                                .and_then(Value::as_str)
                                .unwrap_or(""))
                        );
                        if let Some(content) = resp.get("content").and_then(Value::as_object) {
                            if code.starts_with('2') {
                                for media in content.values() {
                                    if let Some(schema) = media.get("schema") {
                                        s.push_str(&fields(&doc, schema));
                                    }
                                }
                            }
                            s.push_str(&examples_html(&doc, content, "Response"));
                        }
                    }
                }
                s.push_str("</section>");
                ops.push_str(&s);
            }
        }
    }
    toc.push_str("</ul>");
    let _ = write!(
        body,
        "<section class=\"wide\"><p>{}</p><p class=\"muted\">Version {}. The document itself: \
<a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>.</p>{toc}</section>{ops}</main>",
        esc(info
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")),
        esc(info.get("version").and_then(Value::as_str).unwrap_or(""))
    );
    html::page(
        &format!(
            "{} reference",
            info.get("title").and_then(Value::as_str).unwrap_or("API")
        ),
        false,
        None,
        &body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation of our document is on the page, and each one with a body or a
    /// success response has an example of it.
    #[test]
    fn every_operation_is_documented_with_examples() {
        let doc: Value = serde_json::from_str(OPENAPI).unwrap();
        let page = render(OPENAPI);
        let mut ops = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                ops += 1;
                let heading = format!(
                    "<h2><code>{} {}</code></h2>",
                    method.to_ascii_uppercase(),
                    esc(path)
                );
                let at = page.find(&heading).unwrap_or_else(|| panic!("{heading}"));
                let section = &page[at..];
                let section = &section[..section.find("</section>").unwrap()];
                if op.get("requestBody").is_some() {
                    assert!(
                        section.contains("Request ("),
                        "{heading}: no request example"
                    );
                }
                assert!(
                    section.contains("Response ("),
                    "{heading}: no response example"
                );
            }
        }
        assert!(ops >= 10, "{ops} operations");
    }

    #[test]
    fn examples_are_built_from_schemas() {
        let doc = serde_json::json!({"components": {"schemas": {"A": {
            "type": "object",
            "properties": {"n": {"type": "integer"}, "s": {"type": "string", "enum": ["x", "y"]},
                           "l": {"type": "array", "items": {"type": "string", "example": "e"}}}
        }}}});
        let e = example(
            &doc,
            &serde_json::json!({"$ref": "#/components/schemas/A"}),
            0,
        );
        assert_eq!(e, serde_json::json!({"n": 1, "s": "x", "l": ["e"]}));
    }
}
