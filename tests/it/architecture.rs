//! The layers of docs/architecture.md, enforced: which workspace crate may depend on which, and
//! that only the Tauri shell pulls in Tauri. Read from `cargo metadata`, so a new dependency in any
//! Cargo.toml that breaks a rule fails here with the rule it breaks.

use std::collections::{BTreeMap, BTreeSet};

use cargo_metadata::{DependencyKind, MetadataCommand, Package};

/// Each workspace crate and the workspace crates it may use (normal and build dependencies;
/// tests and benchmarks may use more). A crate missing here is a new crate: add it and its row
/// in docs/architecture.md.
const ALLOWED: &[(&str, &[&str])] = &[
    ("recoup-core", &[]),
    ("recoup-api", &["recoup-core"]),
    ("recoup-store", &["recoup-core", "recoup-api"]),
    ("recoup-generator", &["recoup-core"]),
    (
        "recoup-store-pg",
        &["recoup-core", "recoup-api", "recoup-store"],
    ),
    (
        "recoup-sync",
        &["recoup-core", "recoup-store", "recoup-api"],
    ),
    (
        "recoup-server",
        &[
            "recoup-core",
            "recoup-store",
            "recoup-api",
            "recoup-generator",
            "recoup-store-pg",
        ],
    ),
    (
        "recoup-device",
        &["recoup-core", "recoup-store", "recoup-api", "recoup-sync"],
    ),
    (
        "recoup-cli",
        &[
            "recoup-core",
            "recoup-store",
            "recoup-api",
            "recoup-sync",
            "recoup-device",
        ],
    ),
    (
        "recoup-app",
        &[
            "recoup-core",
            "recoup-store",
            "recoup-api",
            "recoup-sync",
            "recoup-device",
            "recoup-server",
        ],
    ),
    (
        "recoup-load",
        &["recoup-core", "recoup-store", "recoup-api", "recoup-sync"],
    ),
    (
        "recoup-bench-app",
        &[
            "recoup-core",
            "recoup-api",
            "recoup-sync",
            "recoup-device",
            "recoup-app",
        ],
    ),
    ("recoup-desktop", &["recoup-app"]),
    (
        "recoup-sim",
        &[
            "recoup-core",
            "recoup-api",
            "recoup-store",
            "recoup-sync",
            "recoup-server",
            "recoup-device",
        ],
    ),
    (
        "recoup-tests",
        &[
            "recoup-core",
            "recoup-store",
            "recoup-api",
            "recoup-sync",
            "recoup-server",
            "recoup-device",
            "recoup-store-pg",
        ],
    ),
];

/// The only crate that may depend on Tauri, directly or through anything else.
const TAURI_SHELL: &str = "recoup-desktop";

fn metadata() -> cargo_metadata::Metadata {
    MetadataCommand::new()
        .manifest_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"))
        .exec()
        .expect("cargo metadata runs on the workspace")
}

fn workspace_packages(m: &cargo_metadata::Metadata) -> Vec<&Package> {
    m.workspace_members.iter().map(|id| &m[id]).collect()
}

#[test]
fn every_workspace_crate_uses_only_the_layers_below_it() {
    let m = metadata();
    let members: BTreeSet<String> = workspace_packages(&m)
        .iter()
        .map(|p| p.name.to_string())
        .collect();
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut broken = Vec::new();
    for p in workspace_packages(&m) {
        let Some(may) = allowed.get(p.name.as_str()) else {
            broken.push(format!(
                "{} is not in the layer table (tests/it/architecture.rs, docs/architecture.md)",
                p.name
            ));
            continue;
        };
        for d in &p.dependencies {
            let internal = members.contains(d.name.as_str());
            let counts = matches!(d.kind, DependencyKind::Normal | DependencyKind::Build);
            if internal && counts && !may.contains(&d.name.as_str()) {
                broken.push(format!("{} depends on {}", p.name, d.name));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "dependencies that break the layers of docs/architecture.md: {broken:#?}"
    );
}

#[test]
fn only_the_tauri_shell_depends_on_tauri_even_indirectly() {
    let m = metadata();
    let resolve = m
        .resolve
        .as_ref()
        .expect("cargo metadata resolves the graph");
    let nodes: BTreeMap<_, _> = resolve.nodes.iter().map(|n| (&n.id, n)).collect();
    let mut broken = Vec::new();
    for p in workspace_packages(&m) {
        if p.name.as_str() == TAURI_SHELL {
            continue;
        }
        // Walk the normal dependencies (what ships in the crate), not dev-dependencies.
        let mut seen = BTreeSet::new();
        let mut todo = vec![&p.id];
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            let Some(node) = nodes.get(id) else { continue };
            for dep in &node.deps {
                let normal = dep
                    .dep_kinds
                    .iter()
                    .any(|k| matches!(k.kind, DependencyKind::Normal | DependencyKind::Build));
                if !normal {
                    continue;
                }
                let name = m[&dep.pkg].name.as_str();
                if name == "tauri" || name.starts_with("tauri-plugin") {
                    broken.push(format!("{} pulls in {name}", p.name));
                }
                todo.push(&dep.pkg);
            }
        }
    }
    assert!(
        broken.is_empty(),
        "only {TAURI_SHELL} (src-tauri) may depend on Tauri: {broken:#?}"
    );
}
