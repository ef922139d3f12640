//! The floor for the scaling benchmark: what `bench-reader` does, natively: reads the secret
//! its config names `operations` times with `secret-get --format=json`.

use std::process::Command;

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
    assert!(out.status.success(), "{name} failed");
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn main() {
    let config: serde_json::Value =
        serde_json::from_str(&tool("config-get", &["--format=json"])).expect("config json");
    let id = config["secret-id"].as_str().unwrap_or_default();
    let operations = config["operations"].as_i64().unwrap_or(1);
    let mut bytes = 0;
    for _ in 0..operations {
        let content: std::collections::BTreeMap<String, String> =
            serde_json::from_str(&tool("secret-get", &["--format=json", id]))
                .expect("content json");
        bytes += content.values().map(String::len).sum::<usize>();
    }
    tool(
        "juju-log",
        &[
            "--log-level=INFO",
            "--",
            &format!("read {operations} times, {bytes} bytes"),
        ],
    );
}
