//! The floor: the `database` sample's relation-joined logic as a native program, calling the
//! same hook commands with the same arguments as charm-host's production backend (values in
//! 0600 files in a private directory, relation data on stdin), and giving the workload the new
//! password (`database-set-password`, the password on stdin).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::process::{Command, Stdio};

const LABEL: &str = "secret-for-webserver-app";

/// Runs a hook command; returns its exit status and stdout.
fn tool(name: &str, args: &[&str], stdin: Option<&[u8]>) -> (i32, String) {
    let mut child = Command::new(name)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
    if let (Some(mut pipe), Some(data)) = (child.stdin.take(), stdin) {
        pipe.write_all(data).expect("writing stdin");
    }
    let out = child
        .wait_with_output()
        .expect("waiting for a hook command");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 24];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .expect("randomness");
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

fn main() {
    let relation = std::env::var("JUJU_RELATION_ID").expect("a relation hook");
    let relation = relation.rsplit(':').next().unwrap_or_default().to_string();
    let (_, leader) = tool("is-leader", &["--format=json"], None);
    if leader.trim() != "true" {
        return;
    }
    let (code, info) = tool(
        "secret-info-get",
        &["--format=json", &format!("--label={LABEL}")],
        None,
    );
    let id = if code == 0 {
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&info).expect("secret-info-get json");
        format!("secret:{}", map.keys().next().expect("one secret"))
    } else {
        let dir = tempfile::Builder::new()
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .tempdir()
            .expect("a private directory");
        let mut args = vec![
            "--owner=application".to_string(),
            format!("--label={LABEL}"),
            "--description=database credentials for the webserver application".to_string(),
            "--rotate=daily".to_string(),
        ];
        let password = password();
        for (key, value) in [
            ("password", password.clone()),
            ("username", "admin".to_string()),
        ] {
            let path = dir.path().join(key);
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .and_then(|mut f| f.write_all(value.as_bytes()))
                .expect("writing a value file");
            args.push(format!("{key}#file={}", path.display()));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, uri) = tool("secret-add", &args, None);
        assert_eq!(code, 0, "secret-add failed");
        // The workload gets the new password, on stdin, as the sample gives it.
        let (code, _) = tool(
            "/usr/local/bin/database-set-password",
            &["admin"],
            Some(password.as_bytes()),
        );
        assert_eq!(code, 0, "database-set-password failed");
        let xid = uri
            .trim()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        format!("secret:{}", xid.trim_start_matches("secret:"))
    };
    let relation_flag = format!("--relation={relation}");
    tool("secret-grant", &[&id, &relation_flag], None);
    let data = serde_json::json!({ "secret-id": id }).to_string();
    tool(
        "relation-set",
        &[&relation_flag, "--app", "--file=-"],
        Some(data.as_bytes()),
    );
    tool(
        "juju-log",
        &[
            "--log-level=INFO",
            "--",
            &format!("shared credentials over relation {relation}"),
        ],
        None,
    );
}
