//! `charm-host pack`: the charm directory and `.charm` archive Juju deploys, and what packing
//! refuses. The packed samples then run the lifecycle scenario through their `dispatch`.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pack(args: &[&str]) -> Output {
    Command::new(common::charm_host_binary())
        .arg("pack")
        .args(args)
        .output()
        .unwrap()
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

/// pack's arguments for `component` with a sample's manifest and metadata, into `out`.
/// The sample's `actions.yaml` goes with its manifest when it has one.
fn pack_args(component: &str, manifest_of: &str, metadata: &Path, out: &Path) -> Vec<String> {
    let mut args = vec![
        "--component".into(),
        path(&common::component(component)),
        "--manifest".into(),
        path(&common::sample_file(manifest_of, "capabilities.yaml")),
        "--metadata".into(),
        path(metadata),
        "--out".into(),
        path(out),
    ];
    let actions = common::sample_file(manifest_of, "actions.yaml");
    if actions.is_file() {
        args.extend(["--actions".into(), path(&actions)]);
    }
    args
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// Packs a sample charm into `out`; panics with pack's stderr if it fails.
fn pack_sample(name: &str, out: &Path) -> PathBuf {
    let args = pack_args(name, name, &common::sample_file(name, "metadata.yaml"), out);
    let output = pack(&strs(&args));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out.join(name)
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_packed_charm_has_the_layout_juju_deploys() {
    let out = tempfile::tempdir().unwrap();
    let dir = pack_sample("database", out.path());
    let mut files: Vec<String> = walk(&dir);
    files.sort();
    assert_eq!(
        files,
        [
            ".charm-host-pack",
            "actions.yaml",
            "bin/charm-host",
            "capabilities.yaml",
            "charm.wasm",
            "dispatch",
            "manifest.yaml",
            "metadata.yaml"
        ],
        "no machine code ships: each machine compiles the component"
    );
    assert_eq!(mode(&dir.join("dispatch")), 0o755);
    assert_eq!(mode(&dir.join("bin/charm-host")), 0o755);
    let read = |p: PathBuf| std::fs::read(p).unwrap();
    assert_eq!(
        read(dir.join("metadata.yaml")),
        read(common::sample_file("database", "metadata.yaml"))
    );
    assert_eq!(
        read(dir.join("capabilities.yaml")),
        read(common::sample_file("database", "capabilities.yaml"))
    );
    assert_eq!(
        read(dir.join("charm.wasm")),
        read(common::component("database"))
    );
    let manifest = std::fs::read_to_string(dir.join("manifest.yaml")).unwrap();
    assert!(
        manifest.contains("bases:\n- name: ubuntu\n  channel: '24.04'\n  architectures:\n"),
        "{manifest}"
    );
    let dispatch = std::fs::read_to_string(dir.join("dispatch")).unwrap();
    assert!(dispatch.starts_with("#!/bin/sh\n"));
    assert!(
        dispatch.contains("exec \"$charm_dir/bin/charm-host\" run --charm-dir \"$charm_dir\""),
        "{dispatch}"
    );
}

fn walk(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            found.extend(
                walk(&entry.path())
                    .into_iter()
                    .map(|f| format!("{name}/{f}")),
            );
        } else {
            found.push(name);
        }
    }
    found
}

#[test]
fn the_charm_archive_holds_the_same_files_with_their_permissions() {
    let out = tempfile::tempdir().unwrap();
    let dir = pack_sample("webserver", out.path());
    let archive = std::fs::File::open(out.path().join("webserver.charm")).unwrap();
    let mut zip = zip::ZipArchive::new(archive).unwrap();
    let mut names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            ".charm-host-pack",
            "bin/",
            "bin/charm-host",
            "capabilities.yaml",
            "charm.wasm",
            "dispatch",
            "manifest.yaml",
            "metadata.yaml"
        ]
    );
    for (name, expected) in [
        ("dispatch", 0o755),
        ("bin/charm-host", 0o755),
        ("metadata.yaml", 0o644),
    ] {
        let entry = zip.by_name(name).unwrap();
        assert_eq!(
            entry.unix_mode().map(|m| m & 0o777),
            Some(expected),
            "{name}"
        );
    }
    let mut wasm = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name("charm.wasm").unwrap(), &mut wasm).unwrap();
    assert_eq!(wasm, std::fs::read(dir.join("charm.wasm")).unwrap());
}

#[test]
fn a_config_file_and_several_bases_are_packed() {
    let out = tempfile::tempdir().unwrap();
    let config = out.path().join("config.yaml");
    std::fs::write(&config, "options:\n  port: {type: int, default: 5432}\n").unwrap();
    let mut args = pack_args(
        "database",
        "database",
        &common::sample_file("database", "metadata.yaml"),
        &out.path().join("build"),
    );
    args.extend(
        [
            "--config",
            &path(&config),
            "--base",
            "ubuntu@22.04",
            "--base",
            "ubuntu@24.04",
            "--no-archive",
        ]
        .map(String::from),
    );
    let output = pack(&strs(&args));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dir = out.path().join("build/database");
    assert_eq!(
        std::fs::read_to_string(dir.join("config.yaml")).unwrap(),
        std::fs::read_to_string(&config).unwrap()
    );
    let manifest = std::fs::read_to_string(dir.join("manifest.yaml")).unwrap();
    assert!(manifest.contains("channel: '22.04'") && manifest.contains("channel: '24.04'"));
    assert!(
        !out.path().join("build/database.charm").exists(),
        "--no-archive"
    );
}

/// Runs pack and returns its one-line error.
fn refused(args: &[&str]) -> String {
    let output = pack(args);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

#[test]
fn a_component_its_manifest_does_not_allow_is_refused() {
    let out = tempfile::tempdir().unwrap();
    // The webserver's manifest grants no leadership; the database component imports it.
    let args = pack_args(
        "database",
        "webserver",
        &common::sample_file("database", "metadata.yaml"),
        out.path(),
    );
    let stderr = refused(&strs(&args));
    assert!(stderr.contains("leadership"), "{stderr}");
    assert!(!out.path().join("database").exists(), "nothing is written");
}

#[test]
fn metadata_without_a_valid_name_is_refused() {
    let out = tempfile::tempdir().unwrap();
    let metadata = out.path().join("metadata.yaml");
    std::fs::write(&metadata, "summary: no name here\n").unwrap();
    let args = pack_args("database", "database", &metadata, out.path());
    let stderr = refused(&strs(&args));
    assert!(
        stderr.contains("metadata.yaml") && stderr.contains("name"),
        "{stderr}"
    );
    std::fs::write(&metadata, "name: Bad_Name\nsummary: s\ndescription: d\n").unwrap();
    let stderr = refused(&strs(&args));
    assert!(
        stderr.contains("charm name \"Bad_Name\" not valid"),
        "{stderr}"
    );
}

#[test]
fn a_directory_pack_did_not_make_is_never_replaced() {
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir(out.path().join("database")).unwrap();
    std::fs::write(out.path().join("database/notes.txt"), "mine").unwrap();
    let args = pack_args(
        "database",
        "database",
        &common::sample_file("database", "metadata.yaml"),
        out.path(),
    );
    let stderr = refused(&strs(&args));
    assert!(stderr.contains("refusing to replace"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(out.path().join("database/notes.txt")).unwrap(),
        "mine"
    );
    // Files named like pack's do not make a directory pack's: only its marker does.
    std::fs::write(out.path().join("database/dispatch"), "#!/bin/sh\n").unwrap();
    std::fs::write(out.path().join("database/charm.wasm"), "").unwrap();
    let stderr = refused(&strs(&args));
    assert!(stderr.contains("(no .charm-host-pack)"), "{stderr}");
    assert!(out.path().join("database/notes.txt").exists());
    // A directory pack made is replaced by packing again.
    std::fs::remove_dir_all(out.path().join("database")).unwrap();
    pack_sample("database", out.path());
    pack_sample("database", out.path());
}

#[test]
fn a_component_that_is_not_a_regular_file_is_refused_before_anything_is_written() {
    let out = tempfile::tempdir().unwrap();
    let zero = out.path().join("zero.wasm");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let mut args = pack_args(
        "database",
        "database",
        &common::sample_file("database", "metadata.yaml"),
        out.path(),
    );
    let at = args.iter().position(|a| a == "--component").unwrap();
    args[at + 1] = path(&zero);
    let stderr = refused(&strs(&args));
    assert_eq!(
        stderr,
        format!(
            "charm-host: pack: {} is not a regular file\n",
            zero.display()
        )
    );
    assert!(!out.path().join("database").exists());
}

#[test]
fn check_on_a_charm_directory_verifies_its_dispatch_and_reports_its_host() {
    let out = tempfile::tempdir().unwrap();
    let dir = pack_sample("database", out.path());
    let check = || {
        let output = Command::new(common::charm_host_binary())
            .arg("check")
            .arg(&dir)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&output.stdout).into_owned();
        (output.status.code(), report)
    };
    let (code, report) = check();
    assert_eq!(code, Some(0), "{report}");
    assert!(
        report.contains("  dispatch: the one charm-host pack writes\n"),
        "{report}"
    );
    let version = format!(
        "  bin/charm-host: version {}, sha256 ",
        env!("CARGO_PKG_VERSION")
    );
    assert!(report.contains(&version), "{report}");
    assert!(report.contains(": this charm-host\n"), "{report}");

    // Another host, with pack's dispatch. The bundled host is a hard link to the one that
    // packed it: replace it, do not write through.
    std::fs::remove_file(dir.join("bin/charm-host")).unwrap();
    std::fs::write(dir.join("bin/charm-host"), "#!/bin/sh\n").unwrap();
    let (code, report) = check();
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains("  bin/charm-host: version unknown, sha256 "),
        "{report}"
    );
    assert!(
        report.contains("is not this charm-host: compare its sha256 with the release you trust"),
        "{report}"
    );

    std::fs::write(dir.join("dispatch"), "#!/bin/sh\nexec /bin/sh -c 'id'\n").unwrap();
    let (code, report) = check();
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains("  dispatch: NOT the one charm-host pack writes\n"),
        "{report}"
    );
    assert!(
        report.contains("is not the dispatch charm-host pack writes: it may run anything"),
        "{report}"
    );
}

#[test]
fn the_packed_samples_run_the_lifecycle_scenario_through_their_dispatch() {
    let out = tempfile::tempdir().unwrap();
    let database = pack_sample("database", out.path());
    let webserver = pack_sample("webserver", out.path());
    pack_sample("certificates", out.path());
    let scenario = common::workspace_root().join("sample-charms/scenarios/database-webserver.yaml");
    let output = Command::new(common::charm_host_binary())
        .arg("simulate")
        .arg(format!("--charm-dir=database={}", database.display()))
        .arg(format!("--charm-dir=webserver={}", webserver.display()))
        .arg(&scenario)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("(run through dispatch)"), "{stdout}");
    assert!(
        stdout.ends_with("scenario passed: 73 hooks ran\n"),
        "{stdout}"
    );
}

/// pack's one-line refusal when the database sample is packed with `file` (`metadata.yaml`,
/// `config.yaml` or `actions.yaml`) replaced by `text`.
fn refusal_for(file: &str, text: &str) -> String {
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join(file);
    std::fs::write(&path, text).unwrap();
    let metadata = if file == "metadata.yaml" {
        path.clone()
    } else {
        common::sample_file("database", "metadata.yaml")
    };
    let mut args = pack_args("database", "database", &metadata, out.path());
    match file {
        "config.yaml" => args.extend(["--config".into(), self::path(&path)]),
        "actions.yaml" => {
            let at = args.iter().position(|a| a == "--actions").unwrap();
            args[at + 1] = self::path(&path);
        }
        _ => {}
    }
    let stderr = refused(&strs(&args));
    assert!(stderr.contains(file), "names the file: {stderr}");
    stderr
}

#[test]
fn pack_refuses_metadata_juju_would_refuse_naming_the_field() {
    let base = "name: database\nsummary: s\ndescription: d\n";
    for (text, error) in [
        (
            "name: database\ndescription: d\n",
            "metadata: summary: expected string, got nothing",
        ),
        (
            &format!("{base}series: [jammy]\n")[..],
            "series slice in metadata v2 not valid",
        ),
        (
            &format!("{base}min-juju-version: 3.6.0\n")[..],
            "min-juju-version in metadata v2 not valid",
        ),
        (
            &format!("{base}deployment: {{type: stateless}}\n")[..],
            "deployment in metadata v2 not valid",
        ),
        (
            &format!("{base}peers:\n  juju-x: {{interface: y}}\n")[..],
            "using a reserved relation name: \"juju-x\"",
        ),
    ] {
        let stderr = refusal_for("metadata.yaml", text);
        assert!(stderr.contains(error), "{text:?}: {stderr}");
    }
}

#[test]
fn pack_refuses_config_juju_would_refuse_naming_the_option() {
    for (text, error) in [
        ("port: {type: int}\n", "invalid config: empty configuration"),
        (
            "options:\n  port: {type: number}\n",
            "option \"port\" has unknown type \"number\"",
        ),
        (
            "options:\n  port: {type: int, default: eighty}\n",
            "option \"port\" expected int, got \"eighty\"",
        ),
    ] {
        let stderr = refusal_for("config.yaml", text);
        assert!(stderr.contains(error), "{text:?}: {stderr}");
    }
}

#[test]
fn pack_refuses_actions_juju_would_refuse_and_grants_of_undeclared_actions() {
    for (text, error) in [
        ("Rotate: {}\n", "bad action name Rotate"),
        ("juju-run: {}\n", "the \"juju-\" prefix is reserved"),
        (
            "rotate-password:\n  params: [a]\n",
            "params failed to parse as a map",
        ),
    ] {
        let stderr = refusal_for("actions.yaml", text);
        assert!(stderr.contains(error), "{text:?}: {stderr}");
    }
    // The manifest grants rotate-password: an actions.yaml without it is refused, naming it.
    let out = tempfile::tempdir().unwrap();
    let actions = out.path().join("actions.yaml");
    std::fs::write(&actions, "backup: {}\n").unwrap();
    let mut args = pack_args(
        "database",
        "database",
        &common::sample_file("database", "metadata.yaml"),
        out.path(),
    );
    let at = args.iter().position(|a| a == "--actions").unwrap();
    args[at + 1] = path(&actions);
    let stderr = refused(&strs(&args));
    assert!(
        stderr.contains(
            "capabilities.yaml: actions: \"rotate-password\" is not an action of actions.yaml"
        ),
        "{stderr}"
    );
    args.truncate(at);
    let stderr = refused(&strs(&args));
    assert!(
        stderr.contains("actions are granted but the charm has no actions.yaml"),
        "{stderr}"
    );
}

#[test]
fn pack_refuses_a_base_juju_does_not_know() {
    let out = tempfile::tempdir().unwrap();
    let mut args = pack_args(
        "database",
        "database",
        &common::sample_file("database", "metadata.yaml"),
        out.path(),
    );
    args.extend(["--base".into(), "debian@12".into()]);
    let output = pack(&strs(&args));
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("base \"debian@12\" not valid: os \"debian\" not valid"),
        "{stderr}"
    );
}

#[test]
fn pack_refuses_storage_juju_would_refuse_naming_the_storage() {
    let base = "name: database\nsummary: s\ndescription: d\nstorage:\n  data:\n";
    for (text, error) in [
        (
            format!("{base}    location: /srv/data\n"),
            "charm \"database\" storage \"data\": type must be specified",
        ),
        (
            format!("{base}    type: block\n    location: /srv/data\n"),
            "charm \"database\" storage \"data\": location may not be specified for \"type: block\"",
        ),
        (
            format!("{base}    type: filesystem\n    multiple: {{range: 3-x}}\n"),
            "metadata: storage.data.multiple.range: value \"3-x\" does not match 'm', 'm-n', or 'm+'",
        ),
        (
            format!("{base}    type: filesystem\n    location: /var/lib/juju/storage/x\n"),
            "invalid location \"/var/lib/juju/storage/x\": must not fall within \"/var/lib/juju/storage\"",
        ),
    ] {
        let stderr = refusal_for("metadata.yaml", &text);
        assert!(stderr.contains(error), "{text:?}: {stderr}");
    }
}
