//! `recoup`: the Recoup client, headless. Same core and store as the app; `--json` on every
//! command for scripts; `--now` and `--clock-offset-secs` for QA time travel.

mod admin;
mod args;
mod commands;
mod data_dir;
mod error;
mod link;
mod output;
mod render;
mod views;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use serde::Serialize;

use recoup_device::DeviceError;

/// What `--json` prints for a failure: `{"error": {"code", "message"}}`.
#[derive(Serialize)]
struct ErrorBody {
    error: DeviceError,
}

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let json = cli.json;
    let outcome = commands::run(cli);
    let mut stdout = std::io::stdout().lock();
    match outcome {
        Ok(out) => {
            let text = out.text(json);
            // A closed pipe (`recoup history | head`) is not an error worth a panic.
            let _ = writeln!(stdout, "{}", text.trim_end());
            ExitCode::SUCCESS
        }
        Err(e) => {
            if json {
                let body = ErrorBody {
                    error: DeviceError::english(e.code(), e.to_string()),
                };
                let _ = writeln!(
                    stdout,
                    "{}",
                    serde_json::to_string_pretty(&body).unwrap_or_default()
                );
            } else {
                let _ = writeln!(std::io::stderr(), "error: {e}");
                if let Some(hint) = e.hint() {
                    let _ = writeln!(std::io::stderr(), "hint: {hint}");
                }
            }
            ExitCode::from(e.code().exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// The CLI's modules (a folder counts as one) and the other modules each one names with
    /// `crate::`.
    fn imports() -> BTreeMap<String, BTreeSet<String>> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut files = vec![src.clone()];
        while let Some(path) = files.pop() {
            if path.is_dir() {
                for entry in std::fs::read_dir(&path).unwrap() {
                    files.push(entry.unwrap().path());
                }
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let first = rel.components().next().unwrap().as_os_str();
            let module = Path::new(first).file_stem().unwrap().to_string_lossy();
            let text = std::fs::read_to_string(&path).unwrap();
            let named = graph.entry(module.to_string()).or_default();
            for (i, _) in text.match_indices("crate::") {
                let rest = &text[i + "crate::".len()..];
                let end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                if rest[..end] != *module && !rest[..end].is_empty() {
                    named.insert(rest[..end].to_owned());
                }
            }
        }
        graph
    }

    #[test]
    fn no_two_modules_of_the_cli_import_each_other_in_a_circle() {
        let graph = imports();
        // Depth-first from every module; a module met again on the current path closes a circle.
        fn visit(
            m: &str,
            graph: &BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<String>,
        ) -> Option<Vec<String>> {
            if let Some(at) = path.iter().position(|p| p == m) {
                let mut circle = path[at..].to_vec();
                circle.push(m.to_owned());
                return Some(circle);
            }
            path.push(m.to_owned());
            for next in graph.get(m).into_iter().flatten() {
                if let Some(circle) = visit(next, graph, path) {
                    return Some(circle);
                }
            }
            path.pop();
            None
        }
        assert!(
            graph.contains_key("commands") && graph["commands"].contains("data_dir"),
            "the graph was read: {graph:?}"
        );
        for m in graph.keys() {
            let circle = visit(m, &graph, &mut Vec::new());
            assert!(circle.is_none(), "an import circle: {circle:?}");
        }
    }
}
