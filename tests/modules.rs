//! Module graph: reads src/**/*.rs, collects the `crate::`, `super::`, `self::` and child-module paths
//! each module file uses (outside `#[cfg(test)]` items, comments and strings), and asserts the graph has
//! no cycle, at two granularities: between top-level modules (`ingest` -> `traffic`), and between the
//! submodules of one module (`report::charts` -> `report::markdown`). A module's own file (`mod.rs`) is
//! the facade of its children and is not a node of the submodule graph; a path through it to an item it
//! re-exports from a child (`pub use child::Item`) counts as a path to that child.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The dependency graphs of one source tree.
#[derive(Debug, Default)]
pub struct Graphs {
    /// Top-level module -> top-level modules it uses.
    pub top: BTreeMap<String, BTreeSet<String>>,
    /// Module -> (submodule -> sibling submodules it uses).
    pub sub: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
}

/// One parsed source file: its module path and the absolute paths it refers to.
struct ModFile {
    module: Vec<String>,
    paths: Vec<Vec<String>>,
    /// `pub use` re-exports: item name -> absolute path of the re-exported item.
    reexports: Vec<(String, Vec<String>)>,
}

/// Blank out comments, string and char literals, keeping byte positions and line breaks.
fn strip_comments_and_strings(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            let end = b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| i + p);
            blank(&mut out, i, end);
            i = end;
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < b.len() && depth > 0 {
                if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                    depth += 1;
                    j += 2;
                } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if c == b'r'
            && (i == 0 || !is_ident(b[i - 1]))
            && matches!(b.get(i + 1), Some(b'"') | Some(b'#'))
        {
            // Raw string r"..." / r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == b'"'
                    && b[j + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&c| c == b'#')
                        .count()
                        == hashes
                {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            blank(&mut out, i, j.min(b.len()));
            i = j;
        } else if c == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            blank(&mut out, i, (j + 1).min(b.len()));
            i = j + 1;
        } else if c == b'\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            let end = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..]
                    .iter()
                    .position(|&c| c == b'\'')
                    .map(|p| i + 2 + p)
            } else {
                let ch_len = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                (b.get(i + 1 + ch_len) == Some(&b'\'')).then_some(i + 1 + ch_len)
            };
            match end {
                Some(e) => {
                    blank(&mut out, i, e + 1);
                    i = e + 1;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    String::from_utf8(out)
        .expect("blanking keeps UTF-8 (multi-byte chars only in strings/comments)")
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Remove every item annotated `#[cfg(test)]` (a `mod tests { .. }`, a `fn`, a `use ..;`).
fn strip_cfg_test(src: &str) -> String {
    let mut s = src.to_string();
    while let Some(at) = s.find("#[cfg(test)]") {
        let b = s.as_bytes();
        let mut j = at + "#[cfg(test)]".len();
        let mut depth = 0usize;
        while j < b.len() {
            match b[j] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        j += 1;
                        break;
                    }
                }
                b';' if depth == 0 => {
                    j += 1;
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        s.replace_range(at..j.min(s.len()), "");
    }
    s
}

/// Expand a `use` tree (`a::{b, c::{d as e}, self}`) into full paths, each with its bound name.
fn expand_use(tree: &str, prefix: &[String], out: &mut Vec<(Vec<String>, String)>) {
    let tree = tree.trim();
    if tree.is_empty() {
        return;
    }
    if let Some(brace) = tree.find('{') {
        let head: Vec<String> = tree[..brace]
            .split("::")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect();
        let inner = &tree[brace + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut full = prefix.to_vec();
        full.extend(head);
        let mut depth = 0;
        let mut start = 0;
        for (k, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand_use(&inner[start..k], &full, out);
                    start = k + 1;
                }
                _ => {}
            }
        }
        expand_use(&inner[start..], &full, out);
        return;
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((p, a)) => (p.trim(), Some(a.trim())),
        None => (tree, None),
    };
    let mut full = prefix.to_vec();
    for seg in path.split("::").map(str::trim).filter(|p| !p.is_empty()) {
        if seg == "self" {
            continue;
        }
        full.push(seg.to_string());
    }
    let name = alias
        .map(String::from)
        .or_else(|| full.last().cloned())
        .unwrap_or_default();
    out.push((full, name));
}

/// Turn a path as written in `module` into an absolute module path, or None when it is not a crate path
/// (std, a dependency, a local name).
fn resolve(module: &[String], path: &[String], children: &BTreeSet<String>) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut base: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        "self" => module.to_vec(),
        "super" => {
            let mut m = module.to_vec();
            let mut rest = path;
            while rest.first().map(String::as_str) == Some("super") {
                m.pop();
                rest = &rest[1..];
            }
            m.extend(rest.iter().cloned());
            return Some(m);
        }
        name if children.contains(name) => {
            let mut m = module.to_vec();
            m.push(name.to_string());
            m.extend(path[1..].iter().cloned());
            return Some(m);
        }
        _ => return None,
    };
    base.extend(path[1..].iter().cloned());
    Some(base)
}

fn module_of(src_dir: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src_dir).expect("file under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_string());
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Every `ident(::ident)+` path in code, with its start offset; the head segment must not follow `::`
/// or be part of a longer identifier.
fn code_paths(code: &str) -> Vec<Vec<String>> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if is_ident(b[i])
            && !b[i].is_ascii_digit()
            && (i == 0 || (!is_ident(b[i - 1]) && b[i - 1] != b':'))
        {
            let mut segs = Vec::new();
            let mut j = i;
            loop {
                let s = j;
                while j < b.len() && is_ident(b[j]) {
                    j += 1;
                }
                if s == j {
                    break;
                }
                segs.push(code[s..j].to_string());
                if code[j..].starts_with("::") && b.get(j + 2).is_some_and(|&c| is_ident(c)) {
                    j += 2;
                } else {
                    break;
                }
            }
            if segs.len() >= 2 {
                out.push(segs);
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

fn parse(
    src_dir: &Path,
    file: &Path,
    children: &BTreeMap<Vec<String>, BTreeSet<String>>,
) -> ModFile {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let code = strip_cfg_test(&strip_comments_and_strings(&text));
    let module = module_of(src_dir, file);
    let empty = BTreeSet::new();
    let kids = children.get(&module).unwrap_or(&empty);
    let mut paths = Vec::new();
    let mut reexports = Vec::new();
    // `use` declarations (possibly `pub use`, `pub(crate) use`), up to their `;`.
    let mut rest = code.as_str();
    let mut uses = Vec::new();
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].trim_end();
        let starts_item = at == 0
            || !is_ident(rest.as_bytes()[at - 1])
                && (before.is_empty()
                    || before.ends_with(';')
                    || before.ends_with('}')
                    || before.ends_with('{')
                    || before.ends_with(']')
                    || before.ends_with("pub")
                    || before.ends_with(')'));
        let end = rest[at..].find(';').map_or(rest.len(), |p| at + p);
        if starts_item {
            let is_pub = before.ends_with("pub") || before.ends_with("pub(crate)");
            let mut expanded = Vec::new();
            expand_use(&rest[at + 4..end], &[], &mut expanded);
            uses.extend(expanded.into_iter().map(|(p, n)| (p, n, is_pub)));
        }
        rest = &rest[end.min(rest.len())..];
        if rest.is_empty() {
            break;
        }
        rest = &rest[1..];
    }
    for (p, name, is_pub) in uses {
        if let Some(abs) = resolve(&module, &p, kids) {
            if is_pub {
                reexports.push((name, abs.clone()));
            }
            paths.push(abs);
        }
    }
    for p in code_paths(&code) {
        if let Some(abs) = resolve(&module, &p, kids) {
            paths.push(abs);
        }
    }
    ModFile {
        module,
        paths,
        reexports,
    }
}

/// Build both graphs for the crate whose sources are in `src_dir`.
pub fn graphs(src_dir: &Path) -> Graphs {
    let mut files = Vec::new();
    rust_files(src_dir, &mut files);
    // Module -> its child modules, from the file layout.
    let mut children: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let m = module_of(src_dir, f);
        if let Some((last, parent)) = m.split_last() {
            children
                .entry(parent.to_vec())
                .or_default()
                .insert(last.clone());
        }
    }
    let parsed: Vec<ModFile> = files.iter().map(|f| parse(src_dir, f, &children)).collect();
    // Re-exports of each module's own file: (module, item) -> where it really lives.
    let mut reexport: BTreeMap<(Vec<String>, String), Vec<String>> = BTreeMap::new();
    for m in &parsed {
        for (name, target) in &m.reexports {
            reexport.insert((m.module.clone(), name.clone()), target.clone());
        }
    }
    // Follow re-exports at each prefix until the path names a module file or a non-re-exported item.
    let follow = |path: &[String]| -> Vec<String> {
        let mut p = path.to_vec();
        for _ in 0..8 {
            let mut changed = false;
            for k in 0..p.len() {
                if let Some(t) = reexport.get(&(p[..k].to_vec(), p[k].clone())) {
                    if t.as_slice() != &p[..=k] {
                        let mut q = t.clone();
                        q.extend(p[k + 1..].iter().cloned());
                        p = q;
                        changed = true;
                        break;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        p
    };
    let top_level = children.get(&Vec::new()).cloned().unwrap_or_default();
    let mut g = Graphs::default();
    for m in &parsed {
        let Some(own) = m.module.first() else {
            continue; // lib.rs / main.rs: the crate root declares everything.
        };
        g.top.entry(own.clone()).or_default();
        for raw in &m.paths {
            let p = follow(raw);
            let Some(head) = p.first() else { continue };
            if head != own && top_level.contains(head) {
                g.top.get_mut(own).expect("inserted").insert(head.clone());
            }
            // Submodule edge: both sides inside the same module, below its facade.
            if head == own && m.module.len() >= 2 && p.len() >= 2 {
                let parent = &m.module[..1];
                let siblings = children.get(parent).cloned().unwrap_or_default();
                if siblings.contains(&p[1]) && p[1] != m.module[1] {
                    g.sub
                        .entry(own.clone())
                        .or_default()
                        .entry(m.module[1].clone())
                        .or_default()
                        .insert(p[1].clone());
                }
            }
        }
    }
    g
}

/// The first cycle in `graph` (as a closed list of nodes), if any.
pub fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        marks.insert(n.to_string(), Mark::Open);
        stack.push(n.to_string());
        for next in graph.get(n).into_iter().flatten() {
            match marks.get(next).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let from = stack.iter().position(|s| s == next).expect("on stack");
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(c) = visit(next, graph, marks, stack) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks.insert(n.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for n in graph.keys() {
        if marks.get(n).copied().unwrap_or(Mark::New) == Mark::New {
            let mut stack = Vec::new();
            if let Some(c) = visit(n, graph, &mut marks, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

/// Every cycle found, one per granularity and module, as printable lines.
pub fn cycles(g: &Graphs) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(c) = find_cycle(&g.top) {
        found.push(format!("top-level: {}", c.join(" -> ")));
    }
    for (module, graph) in &g.sub {
        if let Some(c) = find_cycle(graph) {
            let c: Vec<String> = c.iter().map(|s| format!("{module}::{s}")).collect();
            found.push(format!("in {module}: {}", c.join(" -> ")));
        }
    }
    found
}

/// The graph as edge lines, `a -> b, c`.
pub fn render(g: &Graphs) -> String {
    let mut out = String::from("top-level modules:\n");
    for (m, deps) in &g.top {
        let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
        out.push_str(&format!("  {m} -> {}\n", deps.join(", ")));
    }
    for (module, graph) in &g.sub {
        out.push_str(&format!("within {module}:\n"));
        for (m, deps) in graph {
            let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
            out.push_str(&format!("  {m} -> {}\n", deps.join(", ")));
        }
    }
    out
}

#[test]
fn module_graph_has_no_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let g = graphs(&src);
    println!("{}", render(&g));
    let found = cycles(&g);
    assert!(
        found.is_empty(),
        "module dependency cycles:\n{}\n\ngraph:\n{}",
        found.join("\n"),
        render(&g)
    );
    // The walk saw the crate: the pipeline's layers are there and the lowest ones depend on nothing above.
    for m in ["app", "ingest", "report", "pipeline", "text"] {
        assert!(g.top.contains_key(m), "{m} missing from the graph");
    }
    assert!(
        g.top["text"].is_empty(),
        "text is a leaf: {:?}",
        g.top["text"]
    );
}

/// A small tree with a cycle at each granularity, and the ways code hides a path (comments, strings,
/// test-only items), so the checker above can fail and is not fooled.
#[test]
fn module_graph_checker_finds_cycles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path();
    let write = |rel: &str, text: &str| {
        let p = src.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write("lib.rs", "pub mod a;\npub mod b;\npub mod c;\npub mod r;\n");
    write("a.rs", "use crate::b::thing;\npub fn f() { thing() }\n");
    write(
        "b.rs",
        "pub fn thing() { crate::c::g() }\n// crate::a::f()\nconst S: &str = \"crate::a::f\";\n\
         #[cfg(test)]\nmod tests { use crate::a::f; }\n",
    );
    write(
        "c.rs",
        "pub fn g() { let _ = r#\"crate::a\"#; let _c = '\"'; }\n",
    );
    write(
        "r/mod.rs",
        "mod charts;\nmod markdown;\npub use markdown::escape;\npub struct Model;\n",
    );
    write("r/charts.rs", "use super::{escape, Model};\n");
    write(
        "r/markdown.rs",
        "pub fn escape() {}\nfn x() { super::charts::draw() }\n",
    );
    let g = graphs(src);
    assert!(g.top["b"].contains("c"), "{}", render(&g));
    assert!(
        !g.top["b"].contains("a"),
        "comment/string/test paths ignored: {}",
        render(&g)
    );
    assert!(
        !g.top["c"].contains("a"),
        "raw strings ignored: {}",
        render(&g)
    );
    assert_eq!(
        cycles(&g),
        vec!["in r: r::charts -> r::markdown -> r::charts".to_string()]
    );

    // Close the top-level loop a -> b -> c -> a.
    write("c.rs", "pub fn g() { crate::a::f() }\n");
    let found = cycles(&graphs(src));
    assert_eq!(found[0], "top-level: a -> b -> c -> a", "{found:?}");
}
