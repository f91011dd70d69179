//! The layout of `src/`: who may call what.
//!
//! Two rules hold for the library's source tree:
//!
//! 1. **Only the store speaks SQL.** No file outside `src/store/` (its tests included) names
//!    a database crate (`rusqlite`, `postgres`) in its code or holds a string literal that starts with an SQL statement
//!    (`SELECT …`, `INSERT INTO`, `UPDATE t SET`, `DELETE FROM`, `PRAGMA …`, `CREATE …`,
//!    `WITH t AS`, `BEGIN`, `COMMIT`). Everything else reaches the database through the
//!    functions and types of `store`.
//! 2. **No import cycles between files.** Every `.rs` file of the library is a node (`main.rs`
//!    is the separate binary and is left out); file A has an edge to file B when A refers to an
//!    item of B. The graph must have no cycle, so each file can be read, tested and changed
//!    knowing only the files below it.
//!
//! A reference is a path in a `use` declaration (nested braces, `self`, `as`, globs) or in code
//! that starts with `crate::`, `super::`, `self::`, a child module declared by `mod x;`, or a
//! name that a `use` of this file brought in. The path is made absolute, and the longest prefix
//! of it that names a file module (`src/a.rs` or `src/a/mod.rs` is `crate::a`, `src/a/b.rs` is
//! `crate::a::b`) is the file it refers to; inline modules belong to their file, and a file's
//! references to itself are no edges. Comments, literals and `#[cfg(test)]` items are not read,
//! and paths into `std` or other crates are not edges. A `pub use` re-export is an ordinary
//! edge to the file it re-exports from. A `mod.rs` that calls into a child while the child uses
//! an item of the `mod.rs` is a cycle too.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// (from, to) file indices, and the first line of `from` that refers to `to`.
type Edges = BTreeMap<(usize, usize), usize>;

const SQL_KEYWORDS: [&str; 9] = [
    "SELECT", "INSERT", "UPDATE", "DELETE", "PRAGMA", "CREATE", "WITH", "BEGIN", "COMMIT",
];

#[test]
fn store_is_the_only_code_that_speaks_sql() {
    let mut offences = Vec::new();
    for (file, source) in sources().into_iter().filter(|f| !f.0.starts_with("store/")) {
        let (toks, literals) = lex(&source);
        let named = toks
            .iter()
            .filter(|t| t.text == "rusqlite" || t.text == "postgres");
        offences.extend(named.map(|t| format!("{file}:{}: names {}", t.line, t.text)));
        for (line, literal) in &literals {
            if let Some(keyword) = sql_keyword(literal) {
                offences.push(format!("{file}:{line}: {keyword} statement in a string"));
            }
        }
    }
    offences.dedup();
    let offences = offences.join("\n");
    assert!(
        offences.is_empty(),
        "only src/store/ may speak SQL:\n{offences}"
    );
}

#[test]
fn no_import_cycles_between_files() {
    let files: Vec<_> = sources().into_iter().filter(|f| f.0 != "main.rs").collect();
    let edges = edges(&files);
    let cycles = cycles(files.len(), &edges);
    let mut report = String::new();
    for cycle in &cycles {
        let names: Vec<_> = cycle.iter().map(|&n| files[n].0.as_str()).collect();
        report += &format!("cycle between {}:\n", names.join(", "));
        for (&(from, to), &line) in &edges {
            if cycle.contains(&from) && cycle.contains(&to) {
                let (file, source) = &files[from];
                let text = source.lines().nth(line - 1).unwrap_or("").trim();
                report += &format!("  {file}:{line} -> {}    {text}\n", files[to].0);
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "{} import cycles:\n{report}",
        cycles.len()
    );
}

/// Every `.rs` file under `src/`, sorted, as its path relative to `src/` and its text.
fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (mut files, mut dirs) = (Vec::new(), vec![root.clone()]);
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let name = path.strip_prefix(&root).unwrap().to_string_lossy();
                files.push((name.replace('\\', "/"), fs::read_to_string(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// The graph between `files`.
fn edges(files: &[(String, String)]) -> Edges {
    let modules: BTreeMap<Vec<String>, usize> = (files.iter().enumerate())
        .map(|(n, (f, _))| (module_of(f), n))
        .collect();
    let mut edges = Edges::new();
    for (from, (file, source)) in files.iter().enumerate() {
        for (line, path) in references(&module_of(file), source) {
            // the longest prefix of the path that is a file module
            let to = (0..=path.len()).rev().find_map(|n| modules.get(&path[..n]));
            if let Some(&to) = to.filter(|&&to| to != from) {
                edges.entry((from, to)).or_insert(line);
            }
        }
    }
    edges
}

/// `crate::a::b` for `a/b.rs`, `crate::a` for `a.rs` and `a/mod.rs`, `crate` for `lib.rs`.
fn module_of(file: &str) -> Vec<String> {
    if file == "lib.rs" {
        return Vec::new();
    }
    let path = file.trim_end_matches(".rs").trim_end_matches("/mod");
    path.split('/').map(String::from).collect()
}

/// The SQL statement a string literal starts with, if any: an upper-case keyword in the shape
/// of a statement (`DELETE FROM`, `UPDATE t SET`, …), so that prose and HTTP lines such as
/// "delete 3 finished tasks" or "DELETE /api/tasks/1" are not taken for SQL.
fn sql_keyword(literal: &str) -> Option<&'static str> {
    let text = literal.replace("\\n", " ");
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '\\')
        .filter(|w| !w.is_empty())
        .take(3)
        .collect();
    let first = *words.first()?;
    let second = words.get(1).copied().unwrap_or("");
    let third = words.get(2).copied().unwrap_or("");
    let keyword = SQL_KEYWORDS.into_iter().find(|k| first == *k)?;
    let shaped = match keyword {
        "INSERT" => matches!(second, "INTO" | "OR"),
        "DELETE" => second == "FROM",
        "UPDATE" => third == "SET",
        "WITH" => third == "AS" || third.starts_with("AS("),
        "BEGIN" => matches!(
            second,
            "" | "IMMEDIATE" | "DEFERRED" | "EXCLUSIVE" | "TRANSACTION"
        ),
        "COMMIT" => second.is_empty(),
        _ => !second.is_empty(),
    };
    shaped.then_some(keyword)
}

struct Tok {
    text: String,
    line: usize,
}

/// The tokens of `source` (identifiers and numbers, `::`, any other character on its own),
/// leaving out comments and literals, plus the text of each string literal and its line.
fn lex(source: &str) -> (Vec<Tok>, Vec<(usize, String)>) {
    let c: Vec<char> = source.chars().collect();
    let at = |k: usize| c.get(k).copied().unwrap_or('\0');
    let word = |x: char| x.is_alphanumeric() || x == '_';
    let (mut toks, mut literals, mut line, mut i) = (Vec::new(), Vec::new(), 1, 0);
    while i < c.len() {
        let start = i;
        if at(i) == '/' && at(i + 1) == '/' {
            i += c[i..].iter().take_while(|&&x| x != '\n').count();
        } else if at(i) == '/' && at(i + 1) == '*' {
            i = block_comment_end(&c, i);
        } else if let Some((open, hashes)) = raw_string_start(&c, i) {
            let mut j = i + open;
            while j < c.len() && !(c[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#')) {
                j += 1;
            }
            literals.push((line, c[i + open..j].iter().collect()));
            i = j + 1 + hashes;
        } else if at(i) == '"' {
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                j = (j + if c[j] == '\\' { 2 } else { 1 }).min(c.len());
            }
            literals.push((line, c[i + 1..j].iter().collect()));
            i = j + 1;
        } else if let Some(end) = char_literal_end(&c, i) {
            i = end;
        } else {
            i += match c[i] {
                x if word(x) => c[i..].iter().take_while(|&&x| word(x)).count(),
                ':' if at(i + 1) == ':' => 2,
                _ => 1,
            };
            if !c[start].is_whitespace() {
                let text = c[start..i].iter().collect();
                toks.push(Tok { text, line });
            }
        }
        i = i.min(c.len());
        line += c[start..i].iter().filter(|&&x| x == '\n').count();
    }
    (toks, literals)
}

/// The end of the (possibly nested) block comment that starts at `i`.
fn block_comment_end(c: &[char], mut i: usize) -> usize {
    let mut depth = 0;
    while i + 1 < c.len() {
        let step = match (c[i], c[i + 1]) {
            ('/', '*') => 1,
            ('*', '/') => -1,
            _ => 0,
        };
        (depth, i) = (depth + step, i + if step == 0 { 1 } else { 2 });
        if depth == 0 {
            return i;
        }
    }
    c.len()
}

/// The length of the opening and the number of `#` when a raw string (`r"…"`, `br#"…"#`)
/// starts at `i`.
fn raw_string_start(c: &[char], i: usize) -> Option<(usize, usize)> {
    let in_word = i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
    let r = i + usize::from(matches!(c[i], 'b' | 'c'));
    if in_word || c.get(r) != Some(&'r') {
        return None;
    }
    let hashes = c[r + 1..].iter().take_while(|&&x| x == '#').count();
    (c.get(r + 1 + hashes) == Some(&'"')).then_some((r + 2 + hashes - i, hashes))
}

/// The end of the char literal (`'a'`, `'\''`, `'\u{1F600}'`) that starts at `i`; `None` for
/// a lifetime or a label such as `'a` or `'static`.
fn char_literal_end(c: &[char], i: usize) -> Option<usize> {
    match (c[i], c.get(i + 1), c.get(i + 2)) {
        ('\'', Some('\\'), _) => {
            Some(i + 4 + c.iter().skip(i + 3).take_while(|&&x| x != '\'').count())
        }
        ('\'', Some(_), Some('\'')) => Some(i + 3),
        _ => None,
    }
}

/// `toks` without the items under `#[cfg(test)]`: each runs to its first `;` or to the end
/// of its first `{…}` block.
fn without_test_items(toks: &[Tok]) -> Vec<&Tok> {
    const ATTRIBUTE: [&str; 7] = ["#", "[", "cfg", "(", "test", ")", "]"];
    let (mut kept, mut i) = (Vec::new(), 0);
    while i < toks.len() {
        if !toks[i..].iter().take(7).map(|t| &t.text).eq(ATTRIBUTE) {
            kept.push(&toks[i]);
            i += 1;
            continue;
        }
        let mut depth = 0;
        i += ATTRIBUTE.len();
        while let Some(tok) = toks.get(i) {
            i += 1;
            match tok.text.as_str() {
                "(" | "[" | "{" => depth += 1,
                "}" if depth <= 1 => break,
                ")" | "]" | "}" => depth -= 1,
                ";" if depth == 0 => break,
                _ => {}
            }
        }
    }
    kept
}

fn is_ident(text: &str) -> bool {
    text.starts_with(|c: char| c.is_alphabetic() || c == '_')
}

/// A path a `use` declaration names, and the name it binds (`None` for a glob).
type UseLeaf<'a> = (Vec<&'a str>, Option<&'a str>);

/// Reads the use tree at `toks[*i..]` whose leaves extend `path`.
fn use_tree<'a>(
    toks: &[&'a Tok],
    i: &mut usize,
    mut path: Vec<&'a str>,
    out: &mut Vec<UseLeaf<'a>>,
) {
    let text = |k: usize| toks.get(k).map_or("", |t| t.text.as_str());
    loop {
        match text(*i) {
            "{" => {
                *i += 1;
                while !matches!(text(*i), "}" | ";" | "") {
                    let before = *i;
                    use_tree(toks, i, path.clone(), out);
                    *i += usize::from(text(*i) == "," || *i == before);
                }
                *i += 1;
                return;
            }
            "*" => {
                *i += 1;
                out.push((path, None));
                return;
            }
            s if is_ident(s) && s != "as" => path.push(s),
            _ => break,
        }
        *i += 1;
        if text(*i) != "::" {
            break;
        }
        *i += 1;
    }
    if path.last() == Some(&"self") {
        path.pop();
    }
    let renamed = text(*i) == "as";
    *i += if renamed { 2 } else { 0 };
    let bind = if renamed {
        Some(text(*i - 1))
    } else {
        path.last().copied()
    };
    out.push((path, bind));
}

/// The module of a token: the file's module and the inline modules around the token.
fn scope(module: &[String], inline: &[(&str, i32)]) -> Vec<String> {
    let inner = inline.iter().map(|(name, _)| name.to_string());
    module.iter().cloned().chain(inner).collect()
}

/// The paths into this crate in the file of module `module`, made absolute, with their lines.
fn references(module: &[String], source: &str) -> Vec<(usize, Vec<String>)> {
    let (all, _) = lex(source);
    let toks = without_test_items(&all);
    let text = |k: usize| toks.get(k).map_or("", |t| t.text.as_str());
    let mut names: BTreeMap<&str, Vec<String>> = BTreeMap::new(); // local name -> absolute path
    let (mut uses, mut paths) = (Vec::new(), Vec::new());
    let (mut inline, mut depth, mut i) = (Vec::new(), 0, 0);
    while i < toks.len() {
        let (tok, line) = (text(i), toks[i].line);
        match tok {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if inline.last().is_some_and(|&(_, d)| d > depth) {
                    inline.pop();
                }
            }
            "mod" if text(i + 2) == ";" => {
                let child = [scope(module, &inline), vec![text(i + 1).to_string()]].concat();
                names.insert(text(i + 1), child);
            }
            "mod" if text(i + 2) == "{" => inline.push((text(i + 1), depth + 1)),
            "use" => {
                let (here, mut leaves) = (scope(module, &inline), Vec::new());
                i += 1;
                use_tree(&toks, &mut i, Vec::new(), &mut leaves);
                uses.extend(leaves.into_iter().map(|(p, b)| (line, here.clone(), p, b)));
                continue;
            }
            _ if is_ident(tok) && text(i + 1) == "::" && text(i.wrapping_sub(1)) != "::" => {
                let mut path = vec![tok];
                while text(i + 1) == "::" && is_ident(text(i + 2)) {
                    path.push(text(i + 2));
                    i += 2;
                }
                paths.push((line, scope(module, &inline), path));
            }
            _ => {}
        }
        i += 1;
    }
    let mut refs = Vec::new();
    for (line, here, path, bind) in uses {
        if let Some(target) = absolute(&here, &path, &names) {
            if let Some(name) = bind {
                names.insert(name, target.clone());
            }
            refs.push((line, target));
        }
    }
    for (line, here, path) in paths {
        refs.extend(absolute(&here, &path, &names).map(|target| (line, target)));
    }
    refs.sort();
    refs
}

/// `path`, written in module `here`, as segments below `crate`; `None` when it starts
/// outside this crate.
fn absolute(
    here: &[String],
    path: &[&str],
    names: &BTreeMap<&str, Vec<String>>,
) -> Option<Vec<String>> {
    let supers = path.iter().take_while(|&&s| s == "super").count();
    let base = match *path.first()? {
        "crate" => Vec::new(),
        "self" => here.to_vec(),
        "super" => here[..here.len().checked_sub(supers)?].to_vec(),
        name => names.get(name)?.clone(),
    };
    let rest = path[supers.max(1)..].iter().map(|s| s.to_string());
    Some(base.into_iter().chain(rest).collect())
}

/// The strongly connected components of more than one file.
fn cycles(n: usize, edges: &Edges) -> BTreeSet<Vec<usize>> {
    let reach: Vec<BTreeSet<usize>> = (0..n).map(|from| reachable(from, edges)).collect();
    let component = |a: usize| -> Vec<usize> {
        (0..n)
            .filter(|&b| reach[a].contains(&b) && reach[b].contains(&a))
            .collect()
    };
    (0..n).map(component).filter(|c| c.len() > 1).collect()
}

fn reachable(from: usize, edges: &Edges) -> BTreeSet<usize> {
    let (mut seen, mut todo) = (BTreeSet::new(), vec![from]);
    while let Some(a) = todo.pop() {
        for (&(_, b), _) in edges.range((a, 0)..(a + 1, 0)) {
            if seen.insert(b) {
                todo.push(b);
            }
        }
    }
    seen
}
