//! `charm-host pack`: a wasm charm as Juju deploys it.
//!
//! ```text
//! <name>/                  the charm directory (and <name>.charm, the same as a zip)
//!   dispatch               executable: execs bin/charm-host run --charm-dir <this directory>
//!   bin/charm-host         the runtime (charm-host-unit: run and compile), bundled: Juju
//!                          machines need nothing else installed
//!   charm.wasm             the charm's component (each machine compiles it for itself: no
//!                          machine code ships in a package)
//!   capabilities.yaml      what the charm may do (deny by default)
//!   metadata.yaml          the charm's metadata, as Juju reads it
//!   manifest.yaml          the bases (as charmcraft writes it)
//!   config.yaml            the charm's options, if it has any
//!   actions.yaml           the charm's actions, if it has any
//!   .charm-host-pack       a marker: a later pack may replace this directory, and no other
//! ```
//!
//! Packing refuses what could not run: a component that is not a charm, one that imports an
//! interface its manifest grants nothing of, a manifest or metadata that does not parse.

#![warn(missing_docs)]

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use charm_runtime::capabilities::{Manifest, check_imports};
use charm_runtime::engine::artifacts::Cache;
use charm_runtime::engine::ceilings::Ceilings;
use charm_runtime::engine::{Limits, Runtime, read_component};
use juju_rules::names::is_valid_app_name;

/// The file `pack` writes into every charm directory it makes: only such a directory is
/// replaced by a later `pack`.
pub const MARKER: &str = ".charm-host-pack";

const MARKER_TEXT: &str =
    "This charm directory was written by `charm-host pack`, which may replace it.\n";

/// The runtime every packed charm bundles as `bin/charm-host`: `run` and `compile` only, built
/// beside `charm-host` by `cargo build -p charm-host`.
pub const UNIT_BINARY: &str = "charm-host-unit";

/// The runtime this program packs: [`UNIT_BINARY`] in its own directory.
pub fn unit_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find this program")?;
    let unit = exe.with_file_name(UNIT_BINARY);
    if !unit.is_file() {
        bail!(
            "cannot find {} beside {}: `cargo build -p charm-host` builds both",
            UNIT_BINARY,
            exe.display()
        );
    }
    Ok(unit)
}

/// The version in a charm-host binary's bytes, read without running it.
fn version_in(binary: &[u8]) -> Option<String> {
    // Kept reversed and turned round at run time, so that this search does not find itself in
    // the binary (the compiler folds literals joined by `format!`).
    let needle: Vec<u8> = b" noisrev tsoh-mrahc\0".iter().rev().copied().collect();
    let start = binary
        .windows(needle.len())
        .position(|w| w == needle.as_slice())?
        + needle.len();
    let end = binary[start..].iter().take(33).position(|b| *b == 0)? + start;
    let version = std::str::from_utf8(&binary[start..end]).ok()?;
    let plausible = !version.is_empty()
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'));
    plausible.then(|| version.to_string())
}

/// What a charm directory carries besides the component and its manifests, checked without
/// running anything in it: whether `dispatch` is the one `pack` writes, and whether the
/// bundled host is this one (by SHA-256; its version is read from its bytes). Returns the report
/// lines and the problems: a `dispatch` that is not `pack`'s may run anything, and a host that
/// is not this one must be compared with the release the operator trusts.
pub fn verify_package(dir: &Path) -> (String, Vec<String>) {
    use sha2::{Digest, Sha256};
    let read = |p: &Path, most: u64| charm_runtime::private_file::read_regular(p, most).ok();
    let hex = |bytes: &[u8]| -> String {
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let mut lines = String::from("package:\n");
    let mut problems = Vec::new();
    if read(&dir.join("dispatch"), 64 << 10).as_deref() == Some(DISPATCH.as_bytes()) {
        lines.push_str("  dispatch: the one charm-host pack writes\n");
    } else {
        lines.push_str("  dispatch: NOT the one charm-host pack writes\n");
        problems.push(format!(
            "{} is not the dispatch charm-host pack writes: it may run anything",
            dir.join("dispatch").display()
        ));
    }
    let bundled = read(&dir.join("bin/charm-host"), 1 << 30);
    // The runtime this charm-host packs: the one beside it.
    let this = unit_binary()
        .ok()
        .and_then(|p| read(&p, 1 << 30))
        .map(|b| hex(&b));
    match bundled {
        None => problems.push(format!(
            "{} is missing or not a regular file",
            dir.join("bin/charm-host").display()
        )),
        Some(bytes) => {
            let hash = hex(&bytes);
            let version = version_in(&bytes).unwrap_or_else(|| "unknown".into());
            if this.as_deref() == Some(hash.as_str()) {
                lines.push_str(&format!(
                    "  bin/charm-host: version {version}, sha256 {hash}: this charm-host\n"
                ));
            } else {
                lines.push_str(&format!(
                    "  bin/charm-host: version {version}, sha256 {hash}: NOT this charm-host ({} {})\n",
                    env!("CARGO_PKG_VERSION"),
                    this.as_deref().unwrap_or("unknown"),
                ));
                problems.push(format!(
                    "{} is not this charm-host: compare its sha256 with the release you trust",
                    dir.join("bin/charm-host").display()
                ));
            }
        }
    }
    (lines, problems)
}

/// The `dispatch` every packed charm gets. Juju runs it with the charm directory as the
/// working directory and `JUJU_CHARM_DIR` set; run by hand, it finds its own directory.
const DISPATCH: &str = r#"#!/bin/sh
# Written by charm-host pack. Juju runs this on every event: the bundled host runs the charm's
# wasm component in a sandbox, with only what capabilities.yaml grants, through Juju's hook
# commands.
charm_dir="${JUJU_CHARM_DIR:-$(dirname "$0")}"
exec "$charm_dir/bin/charm-host" run --charm-dir "$charm_dir"
"#;

/// A Juju base: `ubuntu@24.04`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// The OS name, e.g. `ubuntu`.
    pub name: String,
    /// The channel, e.g. `24.04`.
    pub channel: String,
}

impl std::str::FromStr for Base {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some((name, _)) = s.split_once('@')
            && !KNOWN_OS.contains(&name)
        {
            return Err(format!("base {s:?} not valid: os {name:?} not valid"));
        }
        match s.split_once('@') {
            Some((name, channel))
                if !name.is_empty()
                    && !channel.is_empty()
                    && name.bytes().all(|b| b.is_ascii_lowercase())
                    && channel.bytes().all(|b| b.is_ascii_digit() || b == b'.') =>
            {
                Ok(Base {
                    name: name.to_string(),
                    channel: channel.to_string(),
                })
            }
            _ => Err(format!(
                "base {s:?} not valid: expected <name>@<channel>, e.g. ubuntu@24.04"
            )),
        }
    }
}

/// The operating systems Juju knows a base by (juju/os's names).
const KNOWN_OS: &[&str] = &[
    "ubuntu",
    "centos",
    "windows",
    "osx",
    "opensuse",
    "genericlinux",
];

/// What to pack.
pub struct PackSpec<'a> {
    /// The charm's component.
    pub component: &'a Path,
    /// Its capability manifest.
    pub manifest: &'a Path,
    /// Its `metadata.yaml`.
    pub metadata: &'a Path,
    /// Its `config.yaml`, if it has options.
    pub config: Option<&'a Path>,
    /// Its `actions.yaml`, if it has actions.
    pub actions: Option<&'a Path>,
    /// The runtime to bundle, `charm-host-unit` (it must suit the bases' machines).
    pub host_binary: &'a Path,
    /// The bases it runs on.
    pub bases: &'a [Base],
}

/// The architecture Juju calls this machine's (what the bundled host binary is built for).
fn juju_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64el",
        other => other,
    }
}

fn manifest_yaml(bases: &[Base]) -> String {
    let mut out = format!(
        "# Written by charm-host pack {}. Juju reads the bases.\nbases:\n",
        env!("CARGO_PKG_VERSION")
    );
    for base in bases {
        out.push_str(&format!(
            "- name: {}\n  channel: '{}'\n  architectures:\n  - {}\n",
            base.name,
            base.channel,
            juju_arch()
        ));
    }
    out
}

/// Checks the charm's `actions.yaml` (if it has one) as Juju reads it, and that every action
/// `manifest` grants is one of it: a misspelt grant would leave the real action without one.
/// The problem is one line naming the file.
pub fn check_granted_actions(
    manifest: &Manifest,
    manifest_path: &Path,
    actions: &Option<PathBuf>,
) -> Result<(), String> {
    let declared = match actions {
        Some(actions) => {
            let text = std::fs::read_to_string(actions)
                .map_err(|e| format!("cannot read {}: {e}", actions.display()))?;
            juju_hookcmds::charm::parse_actions(&text)
                .map_err(|e| format!("{}: {e}", actions.display()))?
                .into_keys()
                .collect()
        }
        None if manifest.actions.0.is_empty() => return Ok(()),
        None => {
            return Err(format!(
                "{}: actions are granted but the charm has no actions.yaml (pack --actions)",
                manifest_path.display()
            ));
        }
    };
    manifest
        .actions
        .declared_in(&declared)
        .map_err(|e| format!("{}: {e}", manifest_path.display()))
}

/// Checks that every binding and storage `manifest` grants is one `metadata.yaml` declares
/// (and its storages as Juju reads them): a misspelt grant would leave the real one without.
pub fn check_granted_metadata(
    manifest: &Manifest,
    manifest_path: &Path,
    metadata_path: &Path,
    metadata: &str,
) -> Result<(), String> {
    use juju_hookcmds::charm::{IMPLICIT_BINDING, binding_names, storage_specs};
    let in_metadata = |e: String| format!("{}: {e}", metadata_path.display());
    let mut bindings = binding_names(metadata).map_err(in_metadata)?;
    bindings.insert(IMPLICIT_BINDING.to_string());
    let storage = storage_specs(metadata).map_err(in_metadata)?;
    let in_manifest = |e: String| format!("{}: {e}", manifest_path.display());
    manifest
        .bindings
        .declared_in(&bindings)
        .map_err(in_manifest)?;
    manifest
        .storage
        .declared_in(&storage.into_keys().collect())
        .map_err(in_manifest)
}

/// Checks everything and writes the charm directory `<out>/<name>`, replacing one `pack`
/// made before; returns its path. The component is compiled (not shipped compiled) to check
/// it loads under this manifest.
pub fn pack_dir(spec: &PackSpec, out: &Path) -> anyhow::Result<PathBuf> {
    if spec.bases.is_empty() {
        bail!("at least one base is needed");
    }
    let metadata_text = std::fs::read_to_string(spec.metadata)
        .with_context(|| format!("cannot read metadata {}", spec.metadata.display()))?;
    let name = juju_hookcmds::charm::check_metadata(&metadata_text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", spec.metadata.display()))?;
    if !is_valid_app_name(&name) {
        bail!("{}: charm name {name:?} not valid", spec.metadata.display());
    }
    let manifest = Manifest::load(spec.manifest)?;
    let limits = manifest
        .limits(Limits::default())
        .map_err(|e| anyhow::anyhow!("{}: {e}", spec.manifest.display()))?;
    // The machines it will run on may lower the ceilings, never raise them past what pack
    // can check here: the built-in ones.
    Ceilings::built_in()
        .check(&limits, &spec.manifest.display().to_string())
        .map_err(anyhow::Error::msg)?;
    let runtime = Runtime::new(limits)?;
    if let Some(config) = spec.config {
        juju_hookcmds::charm::check_config(
            &std::fs::read_to_string(config)
                .with_context(|| format!("cannot read config {}", config.display()))?,
        )
        .map_err(|e| anyhow::anyhow!("{}: {e}", config.display()))?;
    }

    check_granted_actions(
        &manifest,
        spec.manifest,
        &spec.actions.map(Path::to_path_buf),
    )
    .map_err(anyhow::Error::msg)?;
    check_granted_metadata(&manifest, spec.manifest, spec.metadata, &metadata_text)
        .map_err(anyhow::Error::msg)?;

    // Read (and checked) before anything is written: only a regular file of a component's
    // size is packed.
    let component = read_component(spec.component)?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let target = out.join(&name);
    if target.exists() && !target.join(MARKER).is_file() {
        bail!(
            "refusing to replace {}: it is not a charm directory pack made (no {MARKER})",
            target.display()
        );
    }
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}-"))
        .tempdir_in(out)
        .with_context(|| format!("cannot write into {}", out.display()))?;
    let dir = staging.path();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
    write_file(&dir.join("dispatch"), DISPATCH.as_bytes(), 0o755)?;
    std::fs::create_dir(dir.join("bin"))?;
    let bundled = dir.join("bin").join("charm-host");
    if std::fs::hard_link(spec.host_binary, &bundled).is_err() {
        std::fs::copy(spec.host_binary, &bundled)
            .with_context(|| format!("cannot bundle {}", spec.host_binary.display()))?;
    }
    std::fs::set_permissions(&bundled, std::fs::Permissions::from_mode(0o755))?;
    write_file(&dir.join("charm.wasm"), &component, 0o644)?;
    write_file(&dir.join(MARKER), MARKER_TEXT.as_bytes(), 0o644)?;
    // Checks it loads under this manifest's engine settings; no artifact ships (each machine
    // compiles its own). This host's cache spares a recompile (Python components take seconds).
    let cache = Cache::for_engine(runtime.engine_hash()).ok();
    let (charm, _) = runtime.load_file_cached(&dir.join("charm.wasm"), cache.as_ref())?;
    if let Some(mismatch) = check_imports(&manifest, charm.imports()).first() {
        bail!(
            "{} cannot run under {}: {mismatch}",
            spec.component.display(),
            spec.manifest.display()
        );
    }
    copy(spec.manifest, &dir.join("capabilities.yaml"))?;
    write_file(&dir.join("metadata.yaml"), metadata_text.as_bytes(), 0o644)?;
    write_file(
        &dir.join("manifest.yaml"),
        manifest_yaml(spec.bases).as_bytes(),
        0o644,
    )?;
    if let Some(config) = spec.config {
        copy(config, &dir.join("config.yaml"))?;
    }
    if let Some(actions) = spec.actions {
        copy(actions, &dir.join("actions.yaml"))?;
    }
    if target.exists() {
        std::fs::remove_dir_all(&target)
            .with_context(|| format!("cannot replace {}", target.display()))?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, &target)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(target)
}

fn write_file(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    let mut f = File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(bytes)?;
    f.set_permissions(std::fs::Permissions::from_mode(mode))?;
    Ok(())
}

fn copy(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::copy(from, to).with_context(|| format!("cannot copy {}", from.display()))?;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o644))?;
    Ok(())
}

/// Zips a charm directory into the `.charm` archive Juju deploys (paths relative to the
/// charm's root, Unix permissions kept so `dispatch` and the host stay executable).
pub fn archive(dir: &Path, to: &Path) -> anyhow::Result<()> {
    let file = File::create(to).with_context(|| format!("cannot write {}", to.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(dir.join(&rel))?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let rel = rel.join(entry.file_name());
            let name = rel.to_string_lossy().into_owned();
            let meta = entry.metadata()?;
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .unix_permissions(meta.permissions().mode() & 0o777);
            if meta.is_dir() {
                zip.add_directory(format!("{name}/"), options)?;
                stack.push(rel);
            } else {
                zip.start_file(name, options)?;
                std::io::copy(&mut File::open(entry.path())?, &mut zip)?;
            }
        }
    }
    zip.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_is_name_at_channel() {
        assert_eq!(
            "ubuntu@24.04".parse::<Base>(),
            Ok(Base {
                name: "ubuntu".into(),
                channel: "24.04".into()
            })
        );
        assert!(
            "ubuntu"
                .parse::<Base>()
                .unwrap_err()
                .contains("<name>@<channel>")
        );
        assert!("ubuntu@noble".parse::<Base>().is_err());
    }

    #[test]
    fn the_manifest_lists_each_base_with_a_quoted_channel() {
        let yaml = manifest_yaml(&[
            "ubuntu@22.04".parse().unwrap(),
            "ubuntu@24.04".parse().unwrap(),
        ]);
        assert!(
            yaml.contains("- name: ubuntu\n  channel: '22.04'\n"),
            "{yaml}"
        );
        assert!(yaml.contains("channel: '24.04'"), "{yaml}");
        assert!(yaml.contains(&format!("  - {}\n", juju_arch())), "{yaml}");
    }
}
