//! What `charm-host check` prints: the component, the grants, the limits.

use std::fmt::Write as _;
use std::path::Path;

use super::Manifest;
use crate::engine::ceilings::Ceilings;
use crate::engine::{Bytes, Inspection, Limits, Seconds};

/// Items joined with commas, or `none`.
pub(super) fn list<T: AsRef<str>>(items: impl IntoIterator<Item = T>) -> String {
    let items: Vec<String> = items.into_iter().map(|i| i.as_ref().to_string()).collect();
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// The report for a component and its manifest, before the verdict.
pub fn describe(
    component: &Path,
    manifest_path: &Path,
    manifest: &Manifest,
    inspection: &Inspection,
    limits: &Limits,
    ceilings: &Ceilings,
) -> String {
    let (imports, exports) = (&inspection.imports, &inspection.exports);
    let mut s = String::new();
    let world = match (
        exports.iter().any(|e| e == "handle"),
        crate::contract::targets(imports),
    ) {
        (_, Err(mixed)) => format!("not one contract version: {mixed}"),
        (true, Ok(version)) => {
            let version = version.unwrap_or(crate::contract::CONTRACT_VERSION);
            let note = if version == crate::contract::CONTRACT_VERSION {
                String::new()
            } else {
                format!(
                    ", an older contract this host still runs; the current one is {}",
                    crate::contract::CONTRACT_VERSION
                )
            };
            format!("juju:charm/charm@{version} (exports handle{note})")
        }
        (false, _) => "not the charm world (no `handle` export)".to_string(),
    };
    let _ = writeln!(s, "component: {}", component.display());
    let _ = writeln!(s, "world: {world}");
    let _ = writeln!(s, "imports:");
    for import in imports {
        let note = match crate::engine::wasi_provides(import) {
            Some(sandboxed) => sandboxed,
            None => {
                match crate::contract::interface(import).map(|i| manifest.grants_interface(i)) {
                    Some(true) => "granted",
                    Some(false) => "NOT GRANTED",
                    None => "UNKNOWN to this host",
                }
            }
        };
        let _ = writeln!(s, "  {import}: {note}");
    }
    let _ = writeln!(s, "exports: {}", list(exports));
    let _ = writeln!(s, "grants (from {}):", manifest_path.display());
    for capability in manifest.capabilities() {
        let _ = writeln!(s, "  {}", capability.report());
    }
    // Each is marked `dangerous: true` (else the manifest was refused): named so the operator
    // sees what amounts to root before deploying.
    let dangers = manifest.dangers();
    if dangers.is_empty() {
        let _ = writeln!(s, "dangerous grants: none");
    } else {
        let _ = writeln!(s, "dangerous grants (each amounts to root):");
        for danger in dangers {
            let _ = writeln!(s, "  {danger}");
        }
    }
    let _ = writeln!(
        s,
        "limits: {}, fuel {}",
        limit_values(limits),
        limits
            .fuel
            .map_or("unmetered".to_string(), |f| f.to_string()),
    );
    let _ = writeln!(
        s,
        "instance metadata: {} KiB, counted against the memory limit",
        inspection.metadata.div_ceil(1024)
    );
    let _ = writeln!(
        s,
        "ceilings ({}): {}",
        ceilings.source,
        limit_values(&ceilings.limits)
    );
    s
}

fn limit_values(l: &Limits) -> String {
    format!(
        "wall time {}, memory {}, wasm stack {}, output {}, host-call data {}, hook command timeout {}, host calls {}",
        Seconds(l.wall_time),
        Bytes(l.memory),
        Bytes(l.wasm_stack),
        Bytes(l.output),
        Bytes(l.host_call_data),
        Seconds(l.hook_command_timeout),
        l.host_calls,
    )
}
