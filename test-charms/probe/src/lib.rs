//! A test charm for the host's own tests: `install` exercises every host interface in a fixed
//! order; `probe-*` hooks misbehave on purpose (panic, loop, memory bomb, ...).
//!
//! Built against contract 0.1.0 on purpose: every test that runs it proves a charm built for
//! the first contract still runs, every one of its interfaces, on this host.

wit_bindgen::generate!({ world: "charm", path: "../../wit/0.1.0" });

use juju::charm::events::Kind;
use juju::charm::secrets::{
    self, AddOptions, AddOwner, Expiry, GetOptions, Grantee, ReadMode, RotatePolicy, SecretRef,
    SetOptions,
};
use juju::charm::{config, leadership, logging, relations, status};

struct Probe;

fn step<T, E: std::fmt::Debug>(name: &str, r: Result<T, E>) -> Result<T, String> {
    r.map_err(|e| format!("{name}: {e:?}"))
}

fn no_meta() -> SetOptions {
    SetOptions {
        label: None,
        description: None,
        expire: None,
        rotate: None,
    }
}

fn everything() -> Result<(), String> {
    let leader = step("is-leader", leadership::is_leader())?;
    let id = step(
        "add",
        secrets::add(
            &[
                ("username".into(), "admin".into()),
                ("password".into(), "probe-s3cret-value".into()),
            ],
            &AddOptions {
                owner: AddOwner::Application,
                label: Some("probe-secret".into()),
                description: Some("probe credentials".into()),
                expire: Some(Expiry::AfterSeconds(3600)),
                rotate: Some(RotatePolicy::Daily),
            },
        ),
    )?;
    let tracked = step(
        "get",
        secrets::get(
            &SecretRef::Id(id.clone()),
            &GetOptions {
                mode: ReadMode::Tracked,
                key: None,
                attach_label: None,
            },
        ),
    )?;
    let peeked = step(
        "get-by-label",
        secrets::get(
            &SecretRef::Label("probe-secret".into()),
            &GetOptions {
                mode: ReadMode::Peek,
                key: Some("password".into()),
                attach_label: None,
            },
        ),
    )?;
    let info = step(
        "info",
        secrets::info(&SecretRef::Label("probe-secret".into())),
    )?;
    step(
        "set-content",
        secrets::set(
            &id,
            Some(&[("password".into(), "probe-s3cret-rotated".into())]),
            &no_meta(),
        ),
    )?;
    step(
        "set-metadata",
        secrets::set(
            &id,
            None,
            &SetOptions {
                description: Some("rotated".into()),
                ..no_meta()
            },
        ),
    )?;
    step("grant", secrets::grant(&id, 3, Some("webserver/0")))?;
    step("revoke", secrets::revoke(&id, &Grantee::Relation(3)))?;
    step("remove-revision", secrets::remove(&id, Some(1)))?;
    let ids = step("ids", secrets::ids())?;
    let relation_ids = step("relation-ids", relations::ids("database"))?;
    let rel = *relation_ids.first().ok_or("no database relation")?;
    let units = step("relation-units", relations::units(rel))?;
    let remote = step("relation-remote-app", relations::remote_app(rel))?;
    let bag = step(
        "relation-get",
        relations::get(rel, &relations::Databag::App(remote.clone())),
    )?;
    step(
        "relation-set",
        relations::set(
            rel,
            relations::Scope::App,
            &[("secret-id".into(), id.clone())],
        ),
    )?;
    let config = step("config-get", config::get_all())?;
    step(
        "log",
        logging::log(
            logging::Level::Info,
            &format!(
                "probe: leader={leader} keys={} peeked={} revision={} owner={:?} ids={} relation={rel} units={} remote={remote} bag={} config={}",
                tracked.len(),
                peeked.len(),
                info.revision,
                info.owner,
                ids.len(),
                units.len(),
                bag.len(),
                config.len(),
            ),
        ),
    )?;
    step(
        "status-set",
        status::set(status::State::Active, "probe ok", false),
    )?;
    println!("probe finished");
    Ok(())
}

fn recurse(n: u64) -> u64 {
    if n == 0 {
        0
    } else {
        1 + recurse(std::hint::black_box(n - 1))
    }
}

fn get_example() -> Result<Vec<(String, String)>, secrets::Error> {
    secrets::get(
        &SecretRef::Id("secret:cid6tkuffbas7af0e0eg".into()),
        &GetOptions {
            mode: ReadMode::Tracked,
            key: None,
            attach_label: None,
        },
    )
}

fn add_example(content: &[(&str, &str)], label: Option<&str>) -> Result<(), String> {
    let content: Vec<(String, String)> = content
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let options = AddOptions {
        owner: AddOwner::Unit,
        label: label.map(String::from),
        description: None,
        expire: None,
        rotate: None,
    };
    secrets::add(&content, &options)
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
}

impl Guest for Probe {
    fn handle(event: Event) -> Result<(), String> {
        match event.kind {
            Kind::Install => everything(),
            Kind::Other(name) => match name.as_str() {
                "probe-error" => Err("probe asked to fail".into()),
                "probe-panic" => panic!("probe panicked on purpose"),
                "probe-loop" => loop {
                    std::hint::black_box(());
                },
                "probe-sleep" => {
                    std::thread::sleep(std::time::Duration::from_secs(3600));
                    Ok(())
                }
                "probe-sleep-loop" => loop {
                    // Short waits, each within the limit: the limit still ends the hook.
                    std::thread::sleep(std::time::Duration::from_millis(50));
                },
                "probe-slow-command" => get_example().map(|_| ()).map_err(|e| format!("{e:?}")),
                "probe-handles" => {
                    // Pollables the charm never drops: each takes a host handle.
                    for _ in 0..100_000 {
                        std::mem::forget(wasi::clocks::monotonic_clock::subscribe_duration(1));
                    }
                    Ok(())
                }
                "probe-many-logs" => {
                    for n in 0..100_000 {
                        let _ = logging::log(logging::Level::Info, &format!("line {n}"));
                    }
                    Ok(())
                }
                "probe-long-log" => {
                    let message: String = (0..2000)
                        .map(|n| format!("line {n:05} {}\n", "z".repeat(88)))
                        .collect();
                    logging::log(logging::Level::Info, message.trim_end())
                        .map_err(|e| format!("{e:?}"))
                }
                "probe-long-status" => {
                    status::set(status::State::Active, &"s".repeat(200_000), false)
                        .map_err(|e| format!("{e:?}"))
                }
                "probe-long-names" => {
                    // Names and labels of a megabyte, each a different one.
                    for n in 0..20 {
                        let long = format!("{n}{}", "a".repeat(1 << 20));
                        let _ = relations::ids(&format!("e{long}"));
                        let _ = secrets::get(
                            &SecretRef::Label(long),
                            &GetOptions {
                                mode: ReadMode::Tracked,
                                key: None,
                                attach_label: None,
                            },
                        );
                    }
                    Ok(())
                }
                "probe-many-denials" => {
                    // Reads by labels no manifest grants, each a different line if audited.
                    for n in 0..50 {
                        let _ = secrets::get(
                            &SecretRef::Label(format!("forbidden-{n}")),
                            &GetOptions {
                                mode: ReadMode::Tracked,
                                key: None,
                                attach_label: None,
                            },
                        );
                        let _ = secrets::get(
                            &SecretRef::Label("forbidden-0".into()),
                            &GetOptions {
                                mode: ReadMode::Tracked,
                                key: None,
                                attach_label: None,
                            },
                        );
                    }
                    Ok(())
                }
                "probe-memory-bomb" => {
                    let mut hoard: Vec<Vec<u8>> = Vec::new();
                    loop {
                        hoard.push(vec![1u8; 1 << 20]);
                        std::hint::black_box(&hoard);
                    }
                }
                "probe-recursion" => {
                    std::hint::black_box(recurse(u64::MAX));
                    Ok(())
                }
                "probe-print" => {
                    for _ in 0..100_000 {
                        println!("{}", "x".repeat(100));
                    }
                    Ok(())
                }
                "probe-exit" => std::process::exit(3),
                "probe-ugly-error" => Err(format!(
                    "first line\nsecond line\r\u{1b}[2J{}",
                    "x".repeat(5000)
                )),
                "probe-print-long" => {
                    for n in 0..3000 {
                        println!("line {n:05} {}", "y".repeat(90));
                    }
                    Ok(())
                }
                "probe-get" => get_example().map(|_| ()).map_err(|e| format!("{e:?}")),
                "probe-add" => {
                    add_example(&[("password", "probe-s3cret-value")], Some("probe-secret"))
                }
                "probe-oversized" => {
                    let big = "probe-s3cret-value".repeat(50_000);
                    add_example(&[("password", big.as_str())], None)
                }
                "probe-invalid-key" => add_example(&[("Pass_Word", "probe-s3cret-value")], None),
                "probe-big-call" => {
                    let big = "x".repeat(1 << 20);
                    step("log", logging::log(logging::Level::Info, &big))
                }
                "probe-get-ignore-errors" => {
                    let _ = get_example();
                    Ok(())
                }
                "probe-sandbox" => {
                    let env: Vec<_> = std::env::vars().collect();
                    let args: Vec<_> = std::env::args().collect();
                    let root = std::fs::read_dir("/").is_ok();
                    let net = std::net::TcpStream::connect("127.0.0.1:9").is_ok();
                    let line = format!(
                        "env={} args={} root={root} net={net}",
                        env.len(),
                        args.len()
                    );
                    step("log", logging::log(logging::Level::Info, &line))
                }
                other => Err(format!("probe does not know hook {other}")),
            },
            _ => Ok(()),
        }
    }
}

export!(Probe);
