//! What `charm-host check` prints: the component, the grants, the limits.

use std::fmt::Write as _;
use std::path::Path;

use super::Manifest;
use crate::runtime::ceilings::Ceilings;
use crate::runtime::{Bytes, Inspection, Limits, Seconds};

fn list<T: AsRef<str>>(items: impl IntoIterator<Item = T>) -> String {
    let items: Vec<String> = items.into_iter().map(|i| i.as_ref().to_string()).collect();
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn yes(b: bool) -> &'static str {
    if b { "granted" } else { "not granted" }
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
    let world = if exports.iter().any(|e| e == "handle") {
        "juju:charm/charm@0.1.0 (exports handle)"
    } else {
        "not the charm world (no `handle` export)"
    };
    let _ = writeln!(s, "component: {}", component.display());
    let _ = writeln!(s, "world: {world}");
    let _ = writeln!(s, "imports:");
    for import in imports {
        let note = match crate::runtime::wasi_provides(import) {
            Some(sandboxed) => sandboxed,
            None => match super::imports::contract_interface(import)
                .and_then(|i| manifest.grants_interface(i))
            {
                Some(true) => "granted",
                Some(false) => "NOT GRANTED",
                None => "UNKNOWN to this host",
            },
        };
        let _ = writeln!(s, "  {import}: {note}");
    }
    let _ = writeln!(s, "exports: {}", list(exports));
    let sec = &manifest.secrets;
    let _ = writeln!(s, "grants (from {}):", manifest_path.display());
    let _ = writeln!(
        s,
        "  secrets: operations [{}]; labels [{}]; readable: owned {}, granted over [{}], config [{}]",
        list(sec.operations.iter().map(|o| o.name())),
        list(&sec.labels),
        if sec.readable.owned { "yes" } else { "no" },
        list(&sec.readable.granted_over),
        list(&sec.readable.config),
    );
    let r = &manifest.relations;
    let _ = writeln!(
        s,
        "  relations: read [{}]; write [{}]; grant over [{}]",
        list(&r.read),
        list(&r.write),
        list(&r.grant_over)
    );
    let _ = writeln!(
        s,
        "  leadership {}; config {}; logging {}; status {}",
        yes(manifest.leadership),
        yes(manifest.config),
        yes(manifest.logging),
        yes(manifest.status)
    );
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
